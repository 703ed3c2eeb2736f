"""The dated price table the plan's cost estimate uses: US dollars, on-demand, no free tier.

Read on 2026-12-06:
- ECR private storage, $0.10 per GB-month: the Amazon ECR pricing page,
  https://aws.amazon.com/ecr/pricing/, as quoted for US East (March 2026) by
  https://cloudburn.io/blog/amazon-ecr-pricing and, for every region listed here, the same
  rate by https://finops.com.py/services/ecr/overview ("pricing varies by region": a region
  not listed here is priced at the default and marked as assumed).
- Replication's transfer: ECR bills it as inter-region data transfer out of the source region
  (https://finops.com.py/services/ecr/data-transfer), the EC2 "data transfer to other AWS
  regions" rate, $0.02 per GB between US and European regions
  (https://www.redresscompliance.com/aws-inter-region-transfer-costs-multiregion.html;
  us-east-1 to us-east-2 is $0.01, not modelled: the table is per source region). Sources
  elsewhere cost up to $0.09 per GB: the default, so an unknown source is not underestimated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PRICES_DATE = "2026-12-06"
DEFAULT_STORAGE_PER_GB_MONTH = 0.10
DEFAULT_TRANSFER_OUT_PER_GB = 0.09

_US_AND_EUROPE = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
                  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1")


@dataclass(frozen=True)
class Price:
    """A price per GB (storage: per GB-month), and whether it is the table's default."""

    usd_per_gb: float
    assumed: bool = False


@dataclass(frozen=True)
class PriceTable:
    """Prices per region, of one date."""

    date: str
    storage_per_gb_month: Mapping[str, float] = field(default_factory=dict)
    transfer_out_per_gb: Mapping[str, float] = field(default_factory=dict)
    default_storage: float = DEFAULT_STORAGE_PER_GB_MONTH
    default_transfer: float = DEFAULT_TRANSFER_OUT_PER_GB

    def storage(self, region: str) -> Price:
        """Storing a GB for a month in `region`."""
        return _priced(self.storage_per_gb_month, region, self.default_storage)

    def transfer_out(self, source: str) -> Price:
        """Sending a GB from `source` to another region."""
        return _priced(self.transfer_out_per_gb, source, self.default_transfer)


def _priced(table: Mapping[str, float], region: str, default: float) -> Price:
    if region in table:
        return Price(table[region])
    return Price(default, assumed=True)


PRICES = PriceTable(
    date=PRICES_DATE,
    storage_per_gb_month={region: 0.10 for region in _US_AND_EUROPE},
    transfer_out_per_gb={region: 0.02 for region in _US_AND_EUROPE},
)
