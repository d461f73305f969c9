"""Extension objects, created unbound here and bound in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Only the login form is limited (see web/auth.py); storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(get_remote_address, default_limits=[])
