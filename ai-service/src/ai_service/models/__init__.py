"""SQLAlchemy models: prompt versions and the job queue in ``shared``; analyses, cache, plan, members and known
photos per tenant."""

from ai_service.models.analysis import Analysis, AnalysisStatus, CacheEntry, CreditsState, TenantPlan
from ai_service.models.base import SharedBase, TenantBase
from ai_service.models.jobs import AnalysisJob, JobState, Settlement
from ai_service.models.members import Member
from ai_service.models.photos import KnownPhoto
from ai_service.models.prompts import PromptVersion

__all__ = [
    "Analysis",
    "AnalysisJob",
    "AnalysisStatus",
    "CacheEntry",
    "CreditsState",
    "JobState",
    "KnownPhoto",
    "Member",
    "PromptVersion",
    "Settlement",
    "SharedBase",
    "TenantBase",
    "TenantPlan",
]
