"""Every table of the server, imported in one place: Alembic's target metadata."""

from app.acceptance.models import Lot, LotPage, LotRecord, RecordFieldCheck, ReviewRound, SampleItem
from app.accounts.models import Approval, LoginFailure, RecoveryCode, Station, StationSession, User, WebSession
from app.audit.models import AuditEvent
from app.billing.models import Payable, Payment
from app.core.schema import metadata
from app.custody.models import Box, CustodyMove, CustodySettings, Handover, HandoverItem, RecordCustody, Shelf
from app.delivery.models import DeliveryExport, DeliveryRecord, NamingScheme
from app.erasure.models import DeliveryReceipt, ErasureCertificate
from app.fleet.models import StationStatus
from app.frontpage.models import (
    FrontPage,
    FrontPageConfirmation,
    FrontPageImport,
    FrontPageMapping,
    FrontPageReading,
    FrontPageUpload,
)
from app.inspection.models import InspectionItem, InspectionRate, PageHash, ReshootTask
from app.pages.models import Page, PageImage, RecordOperation
from app.production.models import ProductionDay, WorkdayOverride
from app.projects.models import Project
from app.records.models import Record

__all__ = [
    "DeliveryReceipt",
    "ErasureCertificate",
    "Box",
    "CustodyMove",
    "CustodySettings",
    "DeliveryExport",
    "DeliveryRecord",
    "FrontPage",
    "FrontPageConfirmation",
    "FrontPageImport",
    "FrontPageMapping",
    "FrontPageReading",
    "FrontPageUpload",
    "Handover",
    "InspectionItem",
    "InspectionRate",
    "PageHash",
    "ReshootTask",
    "HandoverItem",
    "NamingScheme",
    "RecordCustody",
    "Shelf",
    "Approval",
    "Lot",
    "LotPage",
    "LotRecord",
    "RecordFieldCheck",
    "ReviewRound",
    "SampleItem",
    "LoginFailure",
    "RecoveryCode",
    "WebSession",
    "AuditEvent",
    "Page",
    "Payable",
    "Payment",
    "PageImage",
    "ProductionDay",
    "Project",
    "Record",
    "RecordOperation",
    "Station",
    "StationSession",
    "StationStatus",
    "User",
    "WorkdayOverride",
    "metadata",
]
