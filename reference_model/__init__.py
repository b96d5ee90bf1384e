"""Reference DRAEM model built on synthdefect."""
