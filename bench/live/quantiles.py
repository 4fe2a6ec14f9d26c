"""Percentiles of a list of timings, as every figure of the live bench gives them."""


def quantiles(values: list[float]) -> dict:
    """p50, p95, p99 and the maximum, to a tenth; ``None`` each when there are none."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    values = sorted(values)

    def q(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {"p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": round(values[-1], 1)}
