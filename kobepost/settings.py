"""Settings for the KOBE Post shared tool.

Everything that differs between a developer's machine and the data center is read from
environment variables (see README.md, "環境変数"). With no environment at all the app runs
on SQLite, runs Celery tasks in-process and writes mail to var/mail/.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from kobepost.env import env_bool, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    # Only reachable with DEBUG on (above): a fixed key keeps dev sessions across restarts.
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105 # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute address of the staff face, used for links in notification mail.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "kobepost.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "leaflet",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kobepost.apps.SiteConfig",
    "kobepost.accounts",
    "kobepost.audit",
    "kobepost.notifications",
    "departments",
    "tickets",
    "callcenter",
    "faq",
    "kobepost.public",
    "kobepost.triage",
    "kobepost.privacy",
    "kobepost.stats",
    "kobepost.cti",
]

MIDDLEWARE = [
    "kobepost.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kobepost.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kobepost.middleware.CraftedInputMiddleware",
    "kobepost.middleware.NetworkAllowlistMiddleware",
    "kobepost.middleware.IdleSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "kobepost.accounts.two_factor.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kobepost.urls"
WSGI_APPLICATION = "kobepost.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "kobepost.context_processors.site",
                "kobepost.notifications.context_processors.notices",
            ],
        },
    },
]

# Same markup as Django's form templates, written in Python (see the module's docstring).
FORM_RENDERER = "kobepost.lib.form_renderer.QuickFormRenderer"

# --- Database ------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # pg_trgm needs a UTF-8 database to treat Japanese characters as word characters.
    DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
    # No JIT compilation: every query here is meant to take milliseconds, and a plan whose
    # estimate crosses jit_above_cost (a common word's search probe on 2,000,000 cases) paid
    # ~7 ms of compiling on every request to save nothing (docs/performance.md).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
USING_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "kobepost.User"

# --- Redis, cache and Celery ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "kobepost"),
            # Everything cached can be computed again: a Redis that hangs (frozen, or a
            # network that drops packets) costs a page at most this long per call, not
            # redis-py's wait-forever. Measured: a save took 20 s against a frozen Redis.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without a broker (development default) tasks run in-process, right after commit.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker's own connection to the broker. Publishing from a request does not use these
# (see NOTIFICATION_PUBLISH_TIMEOUT_MS): a worker may wait for Redis, a save must not.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
# --- Notifications (outbox relay, retries, lease) ---------------------------------------
# Rows still pending this long after their due time were probably never published (broker
# down at commit, lost message): the periodic relay publishes them again.
NOTIFICATION_RELAY_AFTER_SECONDS = env_int("NOTIFICATION_RELAY_AFTER_SECONDS", 30, minimum=1)
NOTIFICATION_RELAY_INTERVAL_SECONDS = env_int("NOTIFICATION_RELAY_INTERVAL_SECONDS", 60, minimum=1)
# A worker that claimed a row owns it this long; after that a crashed worker's row is
# sent again. Must exceed the longest SMTP conversation (below).
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", 300, minimum=1)
# How long a worker waits for the mail server's answer to the end of DATA. RFC 5321 asks
# clients to wait up to 10 minutes: a gateway scanning the content may take its time, and
# giving up early is what duplicates a mail (the server keeps it, we send it again).
# EMAIL_TIMEOUT (10 s) still bounds every other step of the conversation.
NOTIFICATION_DATA_TIMEOUT_SECONDS = env_int("NOTIFICATION_DATA_TIMEOUT_SECONDS", 120, minimum=1)
if NOTIFICATION_DATA_TIMEOUT_SECONDS >= NOTIFICATION_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "NOTIFICATION_DATA_TIMEOUT_SECONDS must be shorter than NOTIFICATION_LEASE_SECONDS"
    )
# Temporary failures (server down, 4xx) are retried until this long after the event (or
# after a supervisor's resend), then the row is marked failed and shown to supervisors
# and to monitoring. A day: an outage of the mail gateway, Redis, the workers or the
# database that ends the same day costs no mail and no human action.
NOTIFICATION_GIVE_UP_AFTER_SECONDS = env_int(
    "NOTIFICATION_GIVE_UP_AFTER_SECONDS", 24 * 3600, minimum=60
)
# Delay between attempts: base * 2**(attempt-1) seconds, at most the cap, each shortened by
# up to a quarter at random so rows that failed together do not retry together. With the
# defaults a mail goes out at most 5 minutes after the mail server is back.
NOTIFICATION_RETRY_BACKOFF = env_int("NOTIFICATION_RETRY_BACKOFF", 60, minimum=1)
NOTIFICATION_RETRY_BACKOFF_MAX = env_int("NOTIFICATION_RETRY_BACKOFF_MAX", 300, minimum=1)

# The audit trail's own retention (保存年限), counted like every class from April 1 of the
# fiscal year after the row was written; rows past it are deleted by `manage.py
# audit_purge`, run as the owner role (deploy/README.md 「監査ログの保存期間」).
AUDIT_RETENTION_YEARS = env_int("AUDIT_RETENTION_YEARS", 5, minimum=1)
# Publishing a row's id right after the commit happens inside the request that saved the
# case: one attempt, at most this long per connect and per answer, then the relay takes over.
NOTIFICATION_PUBLISH_TIMEOUT_MS = env_int("NOTIFICATION_PUBLISH_TIMEOUT_MS", 300, minimum=10)

# How often the closed months the statistics have not counted are counted.
STATS_BUILD_INTERVAL_SECONDS = env_int("STATS_BUILD_INTERVAL_SECONDS", 300, minimum=30)

CELERY_BEAT_SCHEDULE: dict = {
    "relay-pending-notifications": {
        "task": "kobepost.notifications.tasks.relay_pending_notifications",
        "schedule": float(NOTIFICATION_RELAY_INTERVAL_SECONDS),
        # A relay run that waited longer than one interval is superseded by the next one.
        "options": {"expires": float(NOTIFICATION_RELAY_INTERVAL_SECONDS)},
    },
    # Retention (kobepost/privacy/retention.py): list expired records for an administrator
    # to approve.
    "list-expired-records": {
        "task": "kobepost.privacy.tasks.list_expired_records",
        "schedule": crontab(hour=2, minute=30),
    },
    "purge-temporary-data": {
        "task": "kobepost.privacy.tasks.purge_temporary_data",
        "schedule": crontab(hour=3, minute=0),
    },
    # Statistics: count the closed months not counted yet (kobepost/stats/rollup.py); an
    # invalidated month is read live until then. Idempotent; a late run is superseded.
    "stats-build-months": {
        "task": "kobepost.stats.tasks.build_statistics_months",
        "schedule": float(STATS_BUILD_INTERVAL_SECONDS),
        "options": {"expires": float(STATS_BUILD_INTERVAL_SECONDS)},
    },
    # Each department gets one mail a morning listing its overdue cases (idempotent per day).
    "send-overdue-reminders": {
        "task": "departments.tasks.send_overdue_reminders",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon-fri"),
    },
}

# --- Mail ------------------------------------------------------------------------------
_EMAIL_HOST = env_str("EMAIL_HOST", "")
if _EMAIL_HOST:
    MAILERS = {
        "default": {
            # Django's SMTP backend, waiting NOTIFICATION_DATA_TIMEOUT_SECONDS for DATA.
            "BACKEND": "kobepost.notifications.smtp.EmailBackend",
            "OPTIONS": {
                "data_timeout": NOTIFICATION_DATA_TIMEOUT_SECONDS,
                "host": _EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 25, minimum=1),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1),
            },
        }
    }
else:
    # Development: each mail becomes a file in var/mail/ that a developer can open.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kobepost-noreply@city.kobe.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The call center's shared mailbox: receives department replies and status changes.
CALLCENTER_MAILBOX = env_str("CALLCENTER_MAILBOX", "callcenter@kobepost.example")

# --- Networks (privacy council promise: access only from known networks) ---------------
_LOOPBACK = ["127.0.0.0/8", "::1/128"]
CALLCENTER_NETWORKS = env_networks("CALLCENTER_NETWORKS", _LOOPBACK)
CITY_NETWORKS = env_networks("CITY_NETWORKS", _LOOPBACK)
ADMIN_NETWORKS = env_networks("ADMIN_NETWORKS", _LOOPBACK)
# Reverse proxies whose X-Forwarded-For header is believed. Empty: the header is ignored.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])
# Everything under this prefix is the citizen side: public, outside the staff allowlist.
PUBLIC_URL_PREFIX = "/public/"
# The phone system (kobepost/cti): its event endpoint lives under this prefix and is open
# to these addresses only (and to no staff network), with a per-PBX token on top.
CTI_PBX_NETWORKS = env_networks("CTI_PBX_NETWORKS", _LOOPBACK)
CTI_PBX_URL_PREFIX = "/cti/pbx/"

# --- Sessions and login ----------------------------------------------------------------
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)
IDLE_WARNING_SECONDS = 120
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Operators share one VPN exit address, so lock out by username, never by address alone.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "kobepost.accounts.network.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = [
    # axes.W006 asks for the address in the lockout key; we leave it out on purpose (above).
    "axes.W006",
    # HSTS preloading is for public internet domains; this tool lives on the city's closed
    # network and the call center's VPN, and preload cannot be undone quickly. HSTS itself
    # is on (below). Set SECURE_HSTS_PRELOAD=true if the host ever becomes public.
    "security.W021",
]
if not USING_POSTGRESQL:
    # The statistics' covering indexes (INCLUDE columns) serve PostgreSQL; SQLite, the
    # zero-setup development database, builds them without the extra columns.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# Second factor (kobepost/accounts/two_factor.py): the issuer shown in the authenticator app.
OTP_TOTP_ISSUER = "KOBE ぽすと 共有ツール"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time -----------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["kobepost.formats"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it to exist
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served-directly/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Map -------------------------------------------------------------------------------
# Tiles come through our own server (deploy/nginx proxies and caches the GSI tiles), so
# LGWAN PCs that cannot reach the internet still get a map.
MAP_TILE_URL = env_str("MAP_TILE_URL", "/tiles/gsi/std/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
)
LEAFLET_CONFIG: dict[str, Any] = {
    "DEFAULT_CENTER": (34.6901, 135.1955),
    "DEFAULT_ZOOM": 13,
    "MIN_ZOOM": 10,
    "MAX_ZOOM": 18,
    "TILES": [("地理院タイル", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})],
    "ATTRIBUTION_PREFIX": "",
    "RESET_VIEW": False,
}

# --- Security --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "frame-src": [CSP.NONE],
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Monitoring may probe gunicorn directly over loopback HTTP, bypassing nginx.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # "__Host-": the browser only accepts this cookie over HTTPS, for this exact host.
    # (The CSRF cookie keeps its name and stays readable: page scripts send it back.)
    SESSION_COOKIE_NAME = "__Host-kobepost-session"

# --- Monitoring (/health/, kobepost/health.py) -------------------------------------------
# Each entry is a check callable; apps add theirs here (e.g. the notification outbox age).
HEALTH_CHECKS = [
    "kobepost.health.check_database",
    "kobepost.health.check_redis",
    "kobepost.health.check_celery_worker",
    "kobepost.health.check_notification_outbox",
    "kobepost.health.check_notification_failures",
]
# /health/ turns 503 when a notification mail has waited longer than this ...
HEALTH_MAX_UNSENT_SECONDS = env_int("HEALTH_MAX_UNSENT_SECONDS", 900, minimum=60)
# ... or when more mails than this have failed for good (given up, or refused as unknown):
# each one is a case a department may never hear of until a supervisor resends it.
HEALTH_MAX_FAILED_NOTIFICATIONS = env_int("HEALTH_MAX_FAILED_NOTIFICATIONS", 0, minimum=0)

# --- Logging ---------------------------------------------------------------------------
# The logs go to the journal (deploy/journald/kobepost.conf: kept for the days stated in
# deploy/README.md). No line keeps a query string: a URL may hold what someone typed.
# One JSON object per line with the request id, Japan time with offset (kobepost/lib/logs.py);
# LOG_FORMAT=text for people reading a terminal (the development default).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_query_strings": {"()": "kobepost.lib.log_privacy.DropQueryStrings"},
        "context": {"()": "kobepost.lib.logs.ContextFilter"},
    },
    "formatters": {
        "line": {
            "()": "kobepost.lib.logs.JsonLineFormatter"
            if LOG_FORMAT == "json"
            else "kobepost.lib.logs.TextLineFormatter"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["no_query_strings", "context"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

CSRF_FAILURE_VIEW = "kobepost.views.csrf_failure"

# --- KOBE ぽすと (citizen side) ----------------------------------------------------------
# Largest photo accepted from a citizen, and most pixels decoded (decompression bombs).
PUBLIC_PHOTO_MAX_MB = env_int("PUBLIC_PHOTO_MAX_MB", 10, minimum=1)
# 50 MP: a 48 MP phone photo (8064×6048) is shrunk to the stored size, not refused.
PUBLIC_PHOTO_MAX_PIXELS = env_int("PUBLIC_PHOTO_MAX_PIXELS", 50_000_000, minimum=1_000_000)
PUBLIC_PHOTOS_PER_POST = 4
# Links mailed to citizens: a password reset link works once and for an hour, a
# confirmation link for three days (mail to a phone may be read the next evening).
PUBLIC_PASSWORD_RESET_SECONDS = env_int("PUBLIC_PASSWORD_RESET_MINUTES", 60, minimum=5) * 60
PUBLIC_EMAIL_CONFIRM_SECONDS = env_int("PUBLIC_EMAIL_CONFIRM_HOURS", 72, minimum=1) * 3600
PASSWORD_RESET_TIMEOUT = max(PUBLIC_PASSWORD_RESET_SECONDS, PUBLIC_EMAIL_CONFIRM_SECONDS)
# Whether a citizen may post before confirming the e-mail address. Allowed by default: a
# danger on the road should reach the city at once; status mail waits for the confirmation.
PUBLIC_POST_NEEDS_CONFIRMED_EMAIL = env_bool("PUBLIC_POST_NEEDS_CONFIRMED_EMAIL", False)
# Address of the citizen face, used for links in mail to citizens.
PUBLIC_SITE_URL = env_str("PUBLIC_SITE_URL", SITE_URL).rstrip("/")
# Fixed-window limits (requests, seconds) per client address and per account, kept in the
# cache (Redis in production, so every gunicorn worker shares one count).
PUBLIC_RATE_LIMITS = {
    "login_address": (env_int("PUBLIC_RATE_LOGIN_PER_HOUR", 30, minimum=1), 3600),
    "login_account": (10, 900),
    "register_address": (env_int("PUBLIC_RATE_REGISTER_PER_HOUR", 5, minimum=1), 3600),
    "post_address": (env_int("PUBLIC_RATE_POSTS_PER_HOUR", 20, minimum=1), 3600),
    "post_account": (10, 3600),
    # Mail sent on a citizen's request (reset, confirmation): per address and per account.
    "account_mail_address": (env_int("PUBLIC_RATE_ACCOUNT_MAIL_PER_HOUR", 10, minimum=1), 3600),
    "account_mail_target": (3, 3600),
}
