"""What guards the site's requests: login lockout (django-axes), where the client's
address is read from, request rates (django-ratelimit) and the Content-Security-Policy
(django-csp). Part of base.py's settings, switched by the same environment variables."""

import os

# Lockout after repeated failed logins, per username and address together so that one
# learner behind a shared commune connection cannot lock out the others.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Where the client's address is read from, for the lockout and the rate limits alike.
# Browsers talk to the embedded default directly: REMOTE_ADDR. Behind the shipped nginx
# (production.py) it is X-Real-IP, which nginx overwrites with the address it saw; a
# header the client can write itself must never be trusted here.
CLIENT_IP_META_KEY = os.environ.get("CLIENT_IP_META_KEY", "REMOTE_ADDR")
AXES_IPWARE_META_PRECEDENCE_ORDER = [CLIENT_IP_META_KEY]
RATELIMIT_IP_META_KEY = CLIENT_IP_META_KEY

# Request rates (django-ratelimit's "count/period", counted in the default cache) on the routes that password guessing,
# mail bombing, mass sign-up or a runaway client would hammer; config.middleware applies
# them by URL name and answers 429. Counted per address, except the progress API: a
# commune hall's learners share one address and each sends a batch about every 30 s,
# so it is counted per signed-in learner. nginx has coarser limits of its own in front.
RATE_LIMITS = {
    "sign-in": {
        "views": ["login", "wagtailadmin_login", "admin:login"],
        "key": "ip",
        "rate": os.environ.get("RATE_LIMIT_SIGN_IN", "30/m"),
    },
    "password-reset": {
        "views": ["password_reset", "wagtailadmin_password_reset"],
        "key": "ip",
        "rate": os.environ.get("RATE_LIMIT_PASSWORD_RESET", "10/h"),
    },
    "sign-up": {
        "views": ["signup"],
        "key": "ip",
        "rate": os.environ.get("RATE_LIMIT_SIGN_UP", "60/h"),
    },
    "progress": {
        "views": ["progress-events"],
        "key": "user_or_ip",
        "rate": os.environ.get("RATE_LIMIT_PROGRESS", "120/m"),
    },
    # What interactive packages report: a statement per answer, state every few seconds.
    "packages": {
        "views": ["package-xapi", "package-state", "package-scorm"],
        "key": "user_or_ip",
        "rate": os.environ.get("RATE_LIMIT_PACKAGES", "240/m"),
    },
    # A quiz saves each answer as it is given (typing saves after a second's pause).
    "quiz-answers": {
        "views": ["assessments:answer"],
        "key": "user_or_ip",
        "rate": os.environ.get("RATE_LIMIT_QUIZ_ANSWERS", "300/m"),
    },
    # Each audio/video entry mints a media-server token; a reconnecting phone needs a few.
    "live-media": {
        "views": ["live:media"],
        "key": "user_or_ip",
        "rate": os.environ.get("RATE_LIMIT_LIVE_MEDIA", "20/m"),
    },
    "live-slides": {
        "views": ["live:slides-upload"],
        "key": "user_or_ip",
        "rate": os.environ.get("RATE_LIMIT_LIVE_SLIDES", "20/h"),
    },
}

# Content-Security-Policy (django-csp): scripts only from this site's own files, never
# inline. Inline style attributes stay allowed: progress bars set their width with one,
# and a style attribute cannot run code. The Wagtail admin gets its own allowances in
# config.middleware (its panels and date widgets ship inline scripts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
