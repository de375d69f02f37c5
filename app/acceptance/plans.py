"""Which sampling plan a lot gets: the contract's flat rate, or an ISO 2859-1 single sampling plan. Pure."""

from dataclasses import dataclass
from decimal import Decimal

from app.acceptance.iso2859 import iso_plan
from app.acceptance.rules import SamplePlan, acceptance_number, plan_flat_sample, plan_sample

FLAT = "flat"
ISO2859 = "iso2859"
SCHEMES = (FLAT, ISO2859)
# The true error rates at which the operating characteristic is shown.
OC_RATES: tuple[Decimal, ...] = tuple(Decimal(r) for r in ("0.01", "0.02", "0.03", "0.05", "0.07", "0.10"))


@dataclass(frozen=True)
class LotPlan:
    """The sample plan of one lot and the most wrong images its sample may hold and still pass."""

    scheme: str
    sample: SamplePlan
    acceptance_number: int


def lot_plan(scheme: str, lot_size: int, *, sample_rate: Decimal, aql: Decimal, min_pass_rate: Decimal) -> LotPlan:
    """The plan for a lot of `lot_size` pages under a project's scheme and terms."""
    if scheme == FLAT:
        sample = plan_flat_sample(sample_rate, lot_size)
        return LotPlan(FLAT, sample, acceptance_number(min_pass_rate, sample.size))
    if scheme == ISO2859:
        if lot_size < 2:  # Table 1 starts at 2 items: a single page is simply inspected
            return LotPlan(ISO2859, plan_sample(lot_size, lot_size), 0)
        iso = iso_plan(lot_size, aql)
        return LotPlan(ISO2859, plan_sample(lot_size, iso.sample_size), iso.acceptance)
    raise ValueError(f"unknown sampling scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
