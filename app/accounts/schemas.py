"""API shapes of sign-in at a station."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class StationLogin(BaseModel):
    """An operator's user name and password, typed at the station."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class StationSessionPublic(BaseModel):
    """The operator session token (send it as X-Operator-Token) and who it belongs to."""

    token: str
    expires_at: datetime
    user_id: int
    username: str
    display_name: str
    role: str
    station_id: int
    project_id: int


class WhoAmI(BaseModel):
    """The station and operator behind a pair of tokens."""

    station_id: int
    project_id: int
    user_id: int
    username: str
    role: str


class OperatorToday(BaseModel):
    """The operator's production today, for the station's screen."""

    date: date
    good_pages: int
    quota: int
    failed_images: int
    reshoots: int
    last_capture_at: datetime | None
