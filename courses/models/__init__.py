from .certificates import Certificate
from .completion import CompletionCriterion
from .enrolment import Cohort, Enrolment
from .invitations import Invitation
from .pages import (
    CataloguePage,
    CoursePage,
    Language,
    LessonPage,
    Level,
    ModulePage,
    ProgramPage,
    Track,
)
from .progress import Activity, ActivityProgress, CourseProgress, ProgressEvent, Verb
from .workspace import CourseWorkspace

__all__ = [
    "Activity",
    "ActivityProgress",
    "CataloguePage",
    "Certificate",
    "Cohort",
    "CompletionCriterion",
    "CourseProgress",
    "CoursePage",
    "CourseWorkspace",
    "Enrolment",
    "Invitation",
    "Language",
    "LessonPage",
    "Level",
    "ModulePage",
    "ProgramPage",
    "ProgressEvent",
    "Track",
    "Verb",
]
