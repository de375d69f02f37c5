"""Words of the vendor's QC: why a page was chosen, task statuses, errors (gettext msgids), and the defect
words a station shows (Chinese and English, sent in the API because the station has no catalogue of ours)."""

from app.navigation import N_

WHY_LABELS = {
    "rate": N_("Drawn at the operator's rate"),
    "near": N_("QC figures close to a threshold"),
    "reshoot": N_("Re-shoot of a flagged page"),
    "manual": N_("Chosen by hand"),
    "look": N_("Outline uncertain: needs a look"),
}

TASK_STATUS_LABELS = {"open": N_("Open"), "closed": N_("Re-shot"), "cancelled": N_("Withdrawn")}

METRIC_LABELS = {
    "blur_px": N_("Blur"),
    "skew_deg": N_("Skew"),
    "paper_level": N_("Paper brightness"),
    "clipped_highlights": N_("Clipped highlights"),
    "contrast": N_("Contrast"),
    "ink_ratio": N_("Ink"),
    "edge_contact": N_("Page edge"),
    "dpi": N_("Resolution"),
}

ERROR_MESSAGES = {
    "image_superseded": N_("This page was re-shot or withdrawn meanwhile: its old image can no longer be judged."),
    "already_inspected": N_("A colleague has judged this page already."),
    "already_flagged": N_("A colleague has flagged this page already."),
    "claimed_by_other": N_("A colleague is inspecting this page."),
    "bad_defect": N_("Tick exactly one defect to flag the page."),
    "note_required": N_("Describe the defect in a note when it is 'other'."),
    "note_too_long": N_("The note is longer than 500 characters."),
    "bad_verdict": N_("The verdict is pass or flag."),
    "bad_rate": N_("The rate must be a number from 0 to 100."),
    "operator_not_found": N_("No such operator in this project."),
    "task_not_open": N_("This task is no longer open."),
    "record_in_lot": N_(
        "This record is in acceptance lot %(lot)s: its images are frozen; correct it through the acceptance process."
    ),
    "page_has_open_task": N_("This page has an open re-shoot task: it cannot pass until it is re-shot."),
    "inspection_item_not_found": N_("There is no such page in the QC queue, or it no longer needs a look."),
    "reshoot_task_not_found": N_("There is no such re-shoot task in this project."),
    "page_not_found": N_("There is no such page in this project."),
}

# What the station shows for a task's reason (defect codes of acceptance).
REASON_WORDS = {
    "blurred": ("图像模糊", "Blurred"),
    "skewed": ("页面歪斜", "Skewed"),
    "cut_off": ("页面不完整", "Cut off"),
    "missing_page": ("漏拍", "Missing page"),
    "extra_page": ("多拍或重复页", "Extra or duplicate page"),
    "wrong_order": ("顺序错误", "Wrong order"),
    "mismatch": ("与原件不符", "Does not match the paper"),
    "wrong_naming": ("命名或分段错误", "Wrong naming or segment"),
    "other": ("其他（见备注）", "Other (see note)"),
}
