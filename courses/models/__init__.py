from .certificates import Certificate
from .enrolment import Cohort, Enrolment
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
    "CourseProgress",
    "CoursePage",
    "CourseWorkspace",
    "Enrolment",
    "Language",
    "LessonPage",
    "Level",
    "ModulePage",
    "ProgramPage",
    "ProgressEvent",
    "Track",
    "Verb",
]
