"""Text that XML 1.0 can carry: one home for the rule, used at input and at output.

A single control character (``\\x0b`` pasted from a word processor, say) in one published
post made the whole Open311 ``requests.xml`` unparseable for every client. Forms of the
citizen side and the Open311 API remove such characters when the text comes in; the XML
writer removes them again, for rows stored before this rule.
"""

import re

from django import forms

# Everything outside XML 1.0's Char production (tab, newline and return are allowed).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold; line ends as ``\\n``."""
    return _XML_INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


class XmlSafeFormMixin(forms.BaseForm):
    """Every text a form accepts can later be served as XML (Open311): clean it first.

    Runs before the subclass's own ``clean`` checks (they call ``super().clean()`` first).
    """

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = xml_safe(value)
        return cleaned
