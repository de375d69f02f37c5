"""The one settings object of the server, read from FOLIO_* environment variables and an optional .env."""

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from app.accounts.attempts import AttemptLimits
    from app.accounts.signin import SignInPolicy


class Settings(BaseSettings):
    """Deployment settings. Contract terms (price, quota, thresholds) live in the Project row, not here."""

    model_config = SettingsConfigDict(env_prefix="FOLIO_", env_file=".env", extra="ignore")

    mode: Literal["production", "demo", "test"] = "production"
    database_url: str = "sqlite:///./var/folio.db"
    image_store: Path = Path("./var/images")
    timezone: str = "Asia/Shanghai"

    # Upload limits: a 16 MP camera JPEG is 3-10 MB; a 600 dpi A3 TIFF is about 70 MP.
    max_upload_bytes: int = 60 * 1024 * 1024
    max_image_pixels: int = 80_000_000
    max_image_side: int = 20_000
    # Decoded size (width x height x channels x bytes per channel) of an accepted image: bounds a worker's memory.
    max_decoded_bytes: int = 400 * 1024 * 1024

    qc_workers: int = 2
    qc_timeout_seconds: float = 60.0
    # Front-page OCR (issue 18): "off" turns the check off; ocr_workers processes read front pages in the
    # background (0: none in this server process, e.g. when `folio frontpage read` runs elsewhere), each with
    # ocr_threads onnxruntime threads.
    ocr: str = "on"
    ocr_workers: int = 1
    ocr_threads: int = 1
    ocr_poll_seconds: float = 10.0
    # Issue 16: make each passing image's processed copy after the upload is answered, in the pool's low-priority
    # worker (off: only `folio store process` makes them).
    process_at_ingest: bool = True
    # ... and only once no check has run for this long (the copies yield to the stations' uploads).
    copy_quiet_seconds: float = 1.0
    # ... or, on a server that is never quiet that long, once a copy has waited this long (still at idle priority).
    copy_max_wait_seconds: float = 300.0

    operator_session_hours: int = 12
    # Station fleet: stations send a heartbeat this often; one missing this long is offline; beats closer than
    # heartbeat_min_seconds to the last accepted one are refused (429) and not written.
    heartbeat_every_seconds: int = 60
    station_offline_seconds: int = 180
    heartbeat_min_seconds: float = 10.0
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    cookie_secure: bool = False  # True behind HTTPS: cookies are then sent only over TLS
    login_account_failures: int = 5
    login_lock_minutes: int = 15
    login_address_failures: int = 20
    # A new account's one-time enrolment link (app/accounts/enrolment.py) is valid this long.
    enrolment_link_hours: int = 72
    login_second_factor_failures: int = 3  # wrong codes one half-signed-in session may send before it ends
    # Addresses (or networks, e.g. 10.0.0.0/24) of reverse proxies whose X-Forwarded-For is believed.
    # Empty: nobody's; the address a request came from is the peer's, always.
    trusted_proxies: str = ""
    # The audit chain's key: 64 hex characters here, or (default) a file created on first use, mode 0600.
    audit_key: SecretStr | None = None
    audit_key_file: Path = Path("./var/audit.key")
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def signin_policy(self) -> "SignInPolicy":
        """Throttling and session lifetimes as the sign-in rules take them."""
        from app.accounts.signin import SignInPolicy

        return SignInPolicy(
            account_failures=self.login_account_failures,
            lock_minutes=self.login_lock_minutes,
            address_failures=self.login_address_failures,
            idle_minutes=self.session_idle_minutes,
            absolute_hours=self.session_absolute_hours,
            session_factor_failures=self.login_second_factor_failures,
        )

    @property
    def attempt_limits(self) -> "AttemptLimits":
        """The sign-in policy's limits, the same at every door (app/accounts/attempts.py)."""
        return self.signin_policy.limits

    @property
    def audit_key_hex(self) -> str | None:
        """The audit key from the environment, if one is set there."""
        return self.audit_key.get_secret_value() if self.audit_key else None

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The configured proxy addresses and networks, one string each."""
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def is_sqlite(self) -> bool:
        """True when the database is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
