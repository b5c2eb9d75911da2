"""Django's SMTP backend, waiting longer for the one answer that decides a duplicate.

The answer to the end of DATA is awaited ``data_timeout`` seconds (RFC 5321 §4.5.3.2.6
suggests up to 10 minutes), every other step EMAIL_TIMEOUT. Once the final "." is sent the
server may have queued the mail; a client that stops waiting then and tries again sends it
twice. Measured with the tests' 5 s EMAIL_TIMEOUT and a gateway answering after 7 s: one
duplicate per slow answer before (bench/notify_faults.py slow-data), none since.
"""

import smtplib
from functools import partial

from django.core.mail.backends import smtp


class _WaitsForData:
    def __init__(self, *args, data_timeout: float | None = None, **kwargs) -> None:
        self.data_timeout = data_timeout
        super().__init__(*args, **kwargs)

    def data(self, msg):  # smtplib's name
        if self.data_timeout is None or self.sock is None:
            return super().data(msg)
        usual = self.sock.gettimeout()
        self.sock.settimeout(self.data_timeout)
        try:
            return super().data(msg)
        finally:
            if self.sock is not None:  # smtplib closes it on a lost connection
                self.sock.settimeout(usual)


class _SMTP(_WaitsForData, smtplib.SMTP):
    pass


class _SMTP_SSL(_WaitsForData, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    def __init__(self, *args, data_timeout: float | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.data_timeout = data_timeout

    @property
    def connection_class(self):
        return partial(_SMTP_SSL if self.use_ssl else _SMTP, data_timeout=self.data_timeout)
