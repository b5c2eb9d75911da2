# 24-hour times like the Japanese pages, so both languages show the same moment alike.
DATE_FORMAT = "N j, Y"
DATETIME_FORMAT = "N j, Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "F j"
