"""Settings with their real-world defaults (domain.md): wallet tiers and the regulator's prepaid caps.

Published tier figures disagree, so they are settings; the defaults are the figures domain.md cites.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..chain.clock import DAY, HOUR
from .money import yuan


class WalletTierLimits(BaseModel):
    """A wallet tier's limits in fen; 0 means no limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    tier_id: int = Field(ge=0, le=65535)
    balance_cap_fen: int = Field(ge=0)
    per_payment_fen: int = Field(ge=0)
    daily_fen: int = Field(ge=0)


#: Tier name -> limits. Parents hold ``id_verified`` unless a scenario says otherwise; institutions,
#: merchants, funders, the regulator and the bank hold ``corporate``.
WALLET_TIERS: dict[str, WalletTierLimits] = {
    "corporate": WalletTierLimits(tier_id=0, balance_cap_fen=0, per_payment_fen=0, daily_fen=0),
    # PBoC 2021: phone-number-only wallet
    "lowest": WalletTierLimits(tier_id=1, balance_cap_fen=yuan(10_000), per_payment_fen=yuan(2_000), daily_fen=yuan(5_000)),
    "class_iii": WalletTierLimits(tier_id=2, balance_cap_fen=yuan(20_000), per_payment_fen=yuan(5_000), daily_fen=yuan(10_000)),
    # ID-verified, linked to a bank account
    "id_verified": WalletTierLimits(
        tier_id=3, balance_cap_fen=yuan(500_000), per_payment_fen=yuan(50_000), daily_fen=yuan(100_000)
    ),
}


#: A wallet tier's name, for scenario parameters (a wrong name is refused before the run starts).
TierName = Literal["corporate", "lowest", "class_iii", "id_verified"]
assert set(TierName.__args__) == set(WALLET_TIERS)


class PrepaidRules(BaseModel):
    """The regulator's caps on prepaid tuition orders (domain.md §1), in domain units."""

    model_config = ConfigDict(extra="forbid")
    max_class_hours_per_order: int = Field(60, ge=1, description="Guangzhou 2021; national notice Mar 2022")
    max_order_span_days: int = Field(92, ge=1, description='"3 months"')
    max_charge_fen: int = Field(yuan(5_000), ge=1, description="13-department opinion, Dec 2022")
    max_prepay_lead_days: int = Field(30, ge=1, description="Chengdu: at most 1 month before the course starts")
    renewal_max_hours_left: int = Field(20, ge=0, description="Chengdu; Shandong draft")
    dispute_window_hours: int = Field(48, ge=0, description="(inferred) a parent has two days to dispute a "
                                      "recorded lesson before its fee goes to the school; 0 releases it at once")
    closure_notice_days: int = Field(30, ge=1, description="Shanghai prepaid-card rules")

    def as_tuple(self) -> tuple[int, ...]:
        """The `PrepaidRules` struct as the contracts take it (durations in seconds)."""
        return (
            self.max_class_hours_per_order,
            self.max_order_span_days * DAY,
            self.max_charge_fen,
            self.max_prepay_lead_days * DAY,
            self.renewal_max_hours_left,
            self.dispute_window_hours * HOUR,
            self.closure_notice_days * DAY,
        )


#: Purposes a payee can be registered for (``PayeeRegistry`` codes). A grant programme names the ones its
#: money may pay; everything else is refused.
PURPOSES: dict[str, int] = {"payroll": 1, "rent": 2, "suppliers": 3, "equipment": 4, "entertainment": 5}
PurposeName = Literal["payroll", "rent", "suppliers", "equipment", "entertainment"]
assert set(PurposeName.__args__) == set(PURPOSES)


def purpose_mask(purposes: "list[str] | tuple[str, ...]") -> int:
    """The programme rule's bit set: bit ``code`` for each allowed purpose."""
    return sum(1 << PURPOSES[p] for p in set(purposes))


class GrantRules(BaseModel):
    """A grant programme's conditions (domain.md §2, Shenzhen fintech support measures)."""

    model_config = ConfigDict(extra="forbid")
    interest_rate_bps: int = Field(345, ge=0, le=10_000,
                                   description="statutory interest: the 1-year LPR, 3.45 % (Aug 2023)")
    promise_years: int = Field(15, ge=1, le=100, description="the firm stays registered in the city this long")
    exclusion_years: int = Field(3, ge=0, le=100, description="a firm found cheating may not apply again")
    allowed_purposes: list[PurposeName] = Field(["payroll", "rent", "suppliers"], min_length=1)

    def as_tuple(self) -> tuple[int, int, int, int]:
        """The contract's ``ProgrammeRules``: years become days (365.25 a year, rounded)."""
        return (self.interest_rate_bps, round(self.promise_years * 365.25), round(self.exclusion_years * 365.25),
                purpose_mask(self.allowed_purposes))
