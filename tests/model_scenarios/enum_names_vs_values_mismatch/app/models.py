import enum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ProjectType(enum.Enum):
    NEW_DEVELOPMENT = "new_development"
    RENOVATION = "renovation"
    MAINTENANCE = "maintenance"


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    project_type: Mapped[ProjectType] = mapped_column(sa.Enum(ProjectType), nullable=False)
