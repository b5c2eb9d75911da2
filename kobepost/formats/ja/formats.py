# Django's Japanese DATETIME_FORMAT runs the time into the day (2026年4月7日9:05); the
# tool has always printed a space and two-digit hours.
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
