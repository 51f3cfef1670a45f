"""The demo event: an NHS citizens' assembly on the NHS Constitution (built from its plan file,
``assembly/demo_plan.yaml``), and the installation's first organiser."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts import revoke_logins
from assembly.domain.plans import import_plan
from assembly.models import Event, FacilitatorAccount
from assembly.plan.read import read_plan
from assembly.security import hash_password, new_password

DEMO_SLUG = "demo"
DEMO_USER = "organiser"  # the installation organiser `make run` creates and prints


def demo_plan_text() -> str:
    """The demo's plan file, shipped inside the package so that an installed `assembly demo`
    finds it (docs/plan.md shows it as the example plan)."""
    return resources.files("assembly").joinpath("demo_plan.yaml").read_text(encoding="utf-8")


async def create_demo(db: AsyncSession) -> Event:
    """Create (or recreate, whatever its state) the demo event from its plan file."""
    await db.execute(delete(Event).where(Event.slug == DEMO_SLUG))
    event, _ = await import_plan(db, read_plan(demo_plan_text()))
    return event


async def event_count(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Event)) or 0


async def add_account(
    db: AsyncSession, username: str, password: str | None = None, organiser: bool | None = None
) -> tuple[FacilitatorAccount, str]:
    """Create an account, or set a new password for one; returns it with the password
    (generated when not given). ``organiser`` makes it one of the installation's organisers
    (True) or a plain account that gets its rights from event teams (False); None keeps what
    an existing account is (a new one is plain)."""
    password = password or new_password()
    account = await db.scalar(
        select(FacilitatorAccount).where(FacilitatorAccount.username == username)
    )
    if account is None:
        account = FacilitatorAccount(username=username, role="staff")
        db.add(account)
    account.password_hash = hash_password(password)
    if organiser is not None:
        account.role = "organiser" if organiser else "staff"
    revoke_logins(account)  # a new password ends every login and link made with the old one
    await db.flush()
    return account, password
