"""Impact × urgency → priority, the ITIL way of deriving a ticket's priority."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

Level = str | int


class PriorityMatrix(BaseModel):
    """A lookup table ``table[impact][urgency] -> priority``.

    Every impact row must name the same urgencies, so that no combination is left
    undefined.  ``PriorityMatrix.itil()`` is the common 3×3 table (ServiceNow's default):
    impact and urgency 1 (high) to 3 (low), priorities P1 to P5.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: dict[str, dict[str, str]]

    @model_validator(mode="before")
    @classmethod
    def _keys_as_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("table"), dict):
            table = data["table"]
            data = dict(data)
            data["table"] = {
                str(i): ({str(u): p for u, p in row.items()} if isinstance(row, dict) else row)
                for i, row in table.items()
            }
        return data

    @model_validator(mode="after")
    def _complete(self) -> PriorityMatrix:
        if not self.table:
            raise ValueError("the matrix has no impact rows")
        urgencies = None
        for impact, row in self.table.items():
            if urgencies is None:
                urgencies = set(row)
            elif set(row) != urgencies:
                raise ValueError(
                    f"impact {impact!r} defines urgencies {sorted(row)}, "
                    f"others define {sorted(urgencies)}"
                )
        return self

    @classmethod
    def itil(cls) -> PriorityMatrix:
        """The common 3×3 matrix: 1/1 → P1, 1/2 and 2/1 → P2, … 3/3 → P5."""
        names = {2: "P1", 3: "P2", 4: "P3", 5: "P4", 6: "P5"}
        return cls(
            table={
                str(i): {str(u): names[i + u] for u in (1, 2, 3)} for i in (1, 2, 3)
            }
        )

    def priority(self, impact: Level, urgency: Level) -> str:
        """The priority of an impact and urgency; ``ValueError`` naming the unknown one."""
        row = self.table.get(str(impact))
        if row is None:
            raise ValueError(f"impact {impact!r} is not in the matrix ({', '.join(self.table)})")
        if str(urgency) not in row:
            raise ValueError(f"urgency {urgency!r} is not in the matrix ({', '.join(row)})")
        return row[str(urgency)]
