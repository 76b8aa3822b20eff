"""Plan documents (.txt, .md, .docx) into `ParsedPlan`: header block, appendix and warnings."""

from bot.importer.errors import PlanFormatError
from bot.importer.reader import parse_plan_text, read_plan

__all__ = ["PlanFormatError", "parse_plan_text", "read_plan"]
