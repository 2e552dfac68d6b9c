"""Settings of the load-test stack: the production settings (DEBUG off) on plain-HTTP loopback.

The harness sets DEBUG=0, SECRET_KEY, SECURE_SSL_REDIRECT=0, DATABASE_URL and REDIS_URL in the
environment before anything imports this; only what loopback without TLS needs differs here.
"""

import os
from pathlib import Path

from bhxh_dashboard.settings import *  # noqa: F403

# No TLS on 127.0.0.1: secure-only cookies would never be sent back by the load generator.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The load generator fetches no static files (a browser has them cached by month-end), so serve
# them from the finders: no collectstatic, whose compression of 40 MB takes minutes on 2 cores.
STATIC_ROOT = Path(os.environ["LOADTEST_STATIC_ROOT"])
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Try-out of the fix proposed for the Redis outage (README, Reliability): the web never reads a
# recompute's result, so queuing it need not subscribe to the result store, which retries for
# about 20 s per save while Redis is down. Off by default: the stack runs the project as it is.
if os.environ.get("LOADTEST_IGNORE_RECOMPUTE_RESULT") == "1":
    CELERY_TASK_ANNOTATIONS = {
        "progress.tasks.recompute_province": {"ignore_result": True},
        "progress.tasks.recompute_all": {"ignore_result": True},
    }
