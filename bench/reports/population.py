"""Who the generated learners are, what they enrol in and how many events each
enrolment records: pure Python, seeded, so that the same flags always give the same
data (bench.reports.playback then plays each enrolment's events).

The mixes are the province's, roughly: learners spread over the 65 current communes
(wards weigh more) with about 5 % recorded in a former commune; Nùng, Tày and Kinh
the large groups, Dao and a few others small; about 85 % consenting to give their
group. About 12 % of enrolments never start, about 35 % complete, the others stop
part-way; what the budget leaves goes to revisits of lessons already seen.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass

DAY = 86400.0
# The events span the last 18 months.
SPAN_DAYS = 548

# QD-121 codes (lms/reference/ethnic_groups_qd121_1979.csv) and their share, in %.
ETHNIC_MIX = (
    ("07", 42.0),  # Nùng
    ("02", 35.0),  # Tày
    ("01", 16.0),  # Kinh
    ("09", 3.5),  # Dao
    ("04", 1.0),  # Hoa
    ("15", 0.9),  # Sán Chay
    ("08", 0.8),  # H'Mông
    ("03", 0.3),  # Thái
    ("06", 0.3),  # Mường
    ("18", 0.2),  # Sán Dìu
)
# Answer to the separate consent question: given, declined, not asked.
CONSENT_MIX = (("given", 85.0), ("declined", 5.0), ("", 10.0))
SEX_MIX = (("female", 51.0), ("male", 46.0), ("unstated", 2.5), ("other", 0.5))
# Category and the birth years it is drawn from.
CATEGORY_MIX = (
    ("citizen", 55.0, 1955, 2010),
    ("official", 20.0, 1965, 2000),
    ("youth", 20.0, 1995, 2009),
    ("prestigious", 5.0, 1950, 1975),
)
# Enrolments per learner: about 2 on average.
ENROLMENTS_MIX = ((1, 35.0), (2, 35.0), (3, 25.0), (4, 5.0))
FORMER_UNIT_SHARE = 0.05
NEVER_STARTED = 0.12
COMPLETERS = 0.35
WITHDRAWN = 0.03

FAMILY = {
    "07": ("Hoàng", "Nông", "Lương", "Vi", "Lăng", "Chu", "Mã", "Hoàng"),
    "02": ("Hoàng", "Nông", "Lương", "Hà", "Lộc", "Bế", "Hứa", "Đinh"),
    "01": ("Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đặng", "Bùi", "Đỗ"),
    "09": ("Triệu", "Bàn", "Lý", "Đặng"),
}
FAMILY_OTHER = ("Hoàng", "Nguyễn", "Lý", "La", "Vương", "Mạc", "Hà")
MIDDLE = {"female": ("Thị", "Thị", "Thu", "Minh"), "male": ("Văn", "Văn", "Đức", "Minh")}
GIVEN = {
    "female": ("Hà", "Lan", "Mai", "Hoa", "Thảo", "Hương", "Nga", "Dung", "Liên", "Yến", "Vân"),
    "male": ("Minh", "Hùng", "Dũng", "Quân", "Tuấn", "Sơn", "Cường", "Thắng", "Hải", "Long"),
}


def weighted(rng: random.Random, mix) -> object:
    """One value of a (value, weight, ...) table."""
    total = sum(row[1] for row in mix)
    x = rng.random() * total
    for row in mix:
        x -= row[1]
        if x < 0:
            return row
    return mix[-1]


@dataclass
class Learner:
    id: int
    username: str
    full_name: str
    category: str
    sex: str
    birth_year: int
    unit_id: int
    ethnic_code: str | None
    consent: str
    joined_at: float


@dataclass
class Lesson:
    activity_id: str
    required: bool
    # "progressed" events a learner sends before marking the lesson complete.
    progressed: int
    minutes: int


@dataclass
class CoursePlan:
    id: int
    title: str
    lessons: list[Lesson]
    min_seconds: int = 30

    @property
    def required_total(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.required)

    @property
    def required_cost(self) -> int:
        """Events to complete every required lesson (lessons are done in order and the
        optional ones come last)."""
        return sum(2 + x.progressed for x in self.lessons if x.required)

    @property
    def full_cost(self) -> int:
        return sum(2 + x.progressed for x in self.lessons)


@dataclass
class Pair:
    learner: Learner
    course: CoursePlan
    enrolment_id: int
    enrolled_at: float
    main: int = 0  # events played through the lessons in order
    extra: int = 0  # revisits of lessons already seen
    withdrawn: bool = False


def people(
    rng: random.Random,
    count: int,
    first_id: int,
    units: list[tuple[int, bool]],
    former_units: list[int],
    now: float,
) -> Iterator[Learner]:
    """``count`` learners; ``units`` are the current communes (id, is a ward)."""
    weights = [(3.0 if ward else 1.0) * rng.uniform(0.6, 1.4) for _id, ward in units]
    unit_ids = [unit_id for unit_id, _ward in units]
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    for n in range(count):
        sex = weighted(rng, SEX_MIX)[0]
        category, _w, born_from, born_to = weighted(rng, CATEGORY_MIX)
        consent = weighted(rng, CONSENT_MIX)[0]
        ethnic = weighted(rng, ETHNIC_MIX)[0]
        if former_units and rng.random() < FORMER_UNIT_SHARE:
            unit_id = rng.choice(former_units)
        else:
            x = rng.random() * total
            lo, hi = 0, len(cumulative) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cumulative[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            unit_id = unit_ids[lo]
        family = rng.choice(FAMILY.get(ethnic, FAMILY_OTHER))
        given = rng.choice(GIVEN.get(sex, GIVEN["female"] + GIVEN["male"]))
        middle = rng.choice(MIDDLE.get(sex, ("Minh", "Thanh")))
        yield Learner(
            id=first_id + n,
            username=f"hv{first_id + n:07d}",
            full_name=f"{family} {middle} {given}",
            category=category,
            sex=sex,
            birth_year=rng.randint(born_from, born_to),
            unit_id=unit_id,
            ethnic_code=ethnic if consent == "given" else None,
            consent=consent,
            joined_at=now - rng.uniform(7, SPAN_DAYS - 7) * DAY,
        )


def course_plans_fit(plans: list[CoursePlan], events_per_pair: float, rng: random.Random) -> None:
    """Set each lesson's number of "progressed" events so that the enrolments' budgets,
    drawn as in ``budgets``, add up to about 90 % of the events asked for (the rest
    are revisits): completers use the required cost, partial learners half of it."""
    share = COMPLETERS + (1 - COMPLETERS - NEVER_STARTED) / 2
    for plan in plans:
        required = plan.required_total
        target = 0.9 * events_per_pair / share * rng.uniform(0.85, 1.15)
        per = max(0.0, target - 3 * required) / required
        for lesson in plan.lessons:
            lesson.progressed = 1 + int(per) + (rng.random() < per - int(per))


def enrolments(
    rng: random.Random, learners: list[Learner], plans: list[CoursePlan], first_id: int, now: float
) -> list[Pair]:
    """About two enrolments a learner, in courses of uneven popularity."""
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(len(plans))]
    order = list(plans)
    rng.shuffle(order)
    pairs: list[Pair] = []
    next_id = first_id
    for learner in learners:
        wanted = min(weighted(rng, ENROLMENTS_MIX)[0], len(plans))
        chosen: list[CoursePlan] = []
        while len(chosen) < wanted:
            plan = rng.choices(order, popularity)[0]
            if plan not in chosen:
                chosen.append(plan)
        for plan in chosen:
            enrolled = min(learner.joined_at + rng.expovariate(1 / (20 * DAY)), now - DAY)
            pairs.append(Pair(learner, plan, next_id, enrolled))
            next_id += 1
    return pairs


def budgets(rng: random.Random, pairs: list[Pair], events: int) -> int:
    """Each enrolment's events, adding up to ``events`` exactly (when there are enough
    enrolments to hold them): about 12 % never start, about 35 % complete, the others
    stop part-way; what is left over goes to revisits."""
    for pair in pairs:
        u = rng.random()
        cost = pair.course.required_cost
        if u < NEVER_STARTED:
            pair.main = 0
        elif u < NEVER_STARTED + COMPLETERS:
            optional = pair.course.full_cost - cost
            pair.main = cost + (rng.randint(0, optional) if optional and rng.random() < 0.5 else 0)
        else:
            pair.main = rng.randint(1, max(1, cost - 1))
            pair.withdrawn = rng.random() < WITHDRAWN / (1 - COMPLETERS - NEVER_STARTED)
    total = sum(p.main for p in pairs)
    if total > events:
        # Too many: partial learners stop earlier, then completers become partial.
        partial = [p for p in pairs if 0 < p.main < p.course.required_cost]
        spare = sum(p.main - 1 for p in partial)
        factor = max(0.0, 1 - (total - events) / spare) if spare else 0.0
        for p in partial:
            p.main = 1 + int((p.main - 1) * factor)
        total = sum(p.main for p in pairs)
        completers = [p for p in pairs if p.main >= p.course.required_cost]
        rng.shuffle(completers)
        for p in completers:
            if total <= events:
                break
            total -= p.main - 1
            p.main = 1
        started = [p for p in pairs if p.main]
        rng.shuffle(started)
        for p in started:
            if total <= events:
                break
            total -= p.main
            p.main = 0
    left = events - total
    started = [p for p in pairs if p.main]
    if left > 0 and started:
        for p in rng.choices(started, k=left):
            p.extra += 1
        total = events
    return total
