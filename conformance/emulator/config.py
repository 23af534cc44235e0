"""What one emulator instance is: its project, its access keys, its faults."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

__all__ = ["AccessKey", "EmulatorConfig", "generated_config"]


@dataclass(frozen=True)
class AccessKey:
    """A Sinch access key: it authenticates requests for exactly one project."""

    key_id: str
    key_secret: str = field(repr=False)
    project_id: str


@dataclass(frozen=True)
class EmulatorConfig:
    """Settings of one emulator; ``faults`` are switched on for every request.

    ``extra_keys`` add access keys for other projects (to show that projects do not see
    each other's resources). ``seed`` makes ids reproducible; ``None`` draws them from the
    operating system.
    """

    project_id: str
    key_id: str
    key_secret: str = field(repr=False)
    faults: frozenset[str] = frozenset()
    token_ttl_seconds: int = 3600
    extra_keys: tuple[AccessKey, ...] = ()
    seed: int | None = None
    page_size_default: int = 10
    page_size_max: int = 20
    webhooks_per_app: int = 5

    def __post_init__(self) -> None:
        for name in ("project_id", "key_id", "key_secret"):
            if not getattr(self, name):
                raise ValueError(f"EmulatorConfig.{name} must not be empty")
        if self.token_ttl_seconds <= 0:
            raise ValueError("EmulatorConfig.token_ttl_seconds must be positive")
        object.__setattr__(self, "faults", frozenset(self.faults))

    @property
    def keys(self) -> tuple[AccessKey, ...]:
        """Every key the emulator accepts, the main one first."""
        main = AccessKey(self.key_id, self.key_secret, self.project_id)
        return (main, *self.extra_keys)


def generated_config(project_id: str | None = None, key_id: str | None = None,
                     key_secret: str | None = None, **options: object) -> EmulatorConfig:
    """A config where whatever is not given is generated: like Sinch's, the project id and
    the key id are UUIDs, the secret a random string."""
    return EmulatorConfig(project_id=project_id or str(uuid.uuid4()),
                          key_id=key_id or str(uuid.uuid4()),
                          key_secret=key_secret or secrets.token_urlsafe(24),
                          **options)  # type: ignore[arg-type]
