"""One retry policy for every retry loop (jobs, webhook deliveries, mail): the wait before the next
attempt, with jitter, a cap and a number of attempts.

The nominal wait before attempt n+1 is either a written schedule (webhooks and mail document
theirs) or exponential (base * factor**(n-1), capped). Jitter then shortens it at random by up to
`jitter` of itself: the wait is uniform in [nominal * (1 - jitter), nominal]. jitter=1 is AWS's
"full jitter", 0.5 its "equal jitter". Jitter only ever shortens, so a documented schedule stays
the upper bound of every wait (and of the total), while failures that happened together (one
endpoint down for a thousand deliveries, a provider's outage) stop retrying in lockstep.

The random source is a field, so tests inject a fixed one."""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int  # attempts in all, the first included; after the last one: give up
    schedule: tuple[timedelta, ...] = ()  # written waits; the last repeats when attempts outnumber it
    base: timedelta = timedelta(seconds=1)  # exponential: the first wait, when there is no schedule
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)  # no wait is longer (a schedule's steps are capped too)
    jitter: float = 0.2  # fraction of the nominal wait that may be taken off at random
    random: Callable[[], float] = field(default=_random.random, compare=False, repr=False)  # in [0, 1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")

    @classmethod
    def from_schedule(cls, schedule: Sequence[timedelta], *, jitter: float = 0.2, **kwargs: object) -> RetryPolicy:
        """A written schedule: one attempt more than it has waits."""
        steps = tuple(schedule)
        return cls(
            max_attempts=len(steps) + 1,
            schedule=steps,
            cap=max(steps),
            jitter=jitter,
            **kwargs,  # type: ignore[arg-type]
        )

    def nominal(self, attempts: int) -> timedelta:
        """The wait before attempt attempts+1 without jitter (attempts: made so far, >= 1)."""
        if attempts < 1:
            raise ValueError("attempts counts the attempts made, from 1")
        if self.schedule:
            wait = self.schedule[min(attempts, len(self.schedule)) - 1]
        else:
            # The exponent is bounded before the power: 2.0 ** 2000 would overflow a float.
            exponent = min(attempts - 1, 64)
            seconds = self.base.total_seconds() * self.factor**exponent
            wait = timedelta(seconds=min(seconds, self.cap.total_seconds()))
        return min(wait, self.cap)

    def delay(self, attempts: int) -> timedelta:
        """The wait before attempt attempts+1, jittered: in [nominal * (1 - jitter), nominal]."""
        nominal = self.nominal(attempts)
        return nominal * (1 - self.jitter * self.random())

    def exhausted(self, attempts: int) -> bool:
        """Whether attempts made so far use them all up (the work is dead)."""
        return attempts >= self.max_attempts

    def next_delay(self, attempts: int) -> timedelta | None:
        """The jittered wait before the next attempt, or None when there is none left."""
        return None if self.exhausted(attempts) else self.delay(attempts)

    def worst_case_total(self) -> timedelta:
        """The longest time from the first attempt to the last (every wait at its nominal)."""
        return sum((self.nominal(n) for n in range(1, self.max_attempts)), timedelta())
