"""Forms of the one-time notice: choose the item, mark each material, and ask for a
material afterwards. Built for the keyboard: radio groups in fieldsets, plain selects."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import MaterialStatus, OneTimeNotice, ServiceItem, ServiceItemMaterial
from intake.selectors.catalogue import service_item_list

TEXT = forms.Textarea(attrs={"rows": 3})


class ItemChoiceForm(forms.Form):
    """The service item the notice is about (sent by GET: it only reloads the page)."""

    item = forms.ChoiceField(label=_("Service item"))

    def __init__(self, *args: Any, items: list[ServiceItem] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = list(service_item_list()) if items is None else items
        self.fields["item"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (item.code, item.name) for item in items
        ]


class NoticeForm(forms.Form):
    """The checklist: one radio group per material of the item's version shown."""

    item = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, item: ServiceItem, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update({"item": item.code, "version": item.version})
        super().__init__(*args, **kwargs)
        self.service_item = item
        self.materials: list[ServiceItemMaterial] = list(item.materials.all())
        for material in self.materials:
            self.fields[self.field_name(material)] = forms.ChoiceField(
                label=material.name,
                choices=MaterialStatus.choices,
                initial=MaterialStatus.PRESENT,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Say whether this material is present, missing or deficient.")
                },
            )

    @staticmethod
    def field_name(material: ServiceItemMaterial) -> str:
        return f"status_{material.pk}"

    def checklist(self) -> list[tuple[ServiceItemMaterial, forms.BoundField]]:
        return [(material, self[self.field_name(material)]) for material in self.materials]

    def statuses(self) -> dict[str, str]:
        """Material name -> status, for the service."""
        return {m.name: self.cleaned_data[self.field_name(m)] for m in self.materials}


class MaterialRequestForm(forms.Form):
    """A material asked for after the notice: one the notice lists, or another."""

    listed = forms.ChoiceField(label=_("A material on the notice"), required=False)
    other = forms.CharField(
        label=_("Or another material"),
        max_length=120,
        required=False,
        help_text=_("A material the notice does not list: asking for it is a breach."),
    )
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)

    def __init__(self, *args: Any, notice: OneTimeNotice | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", "—")]
        if notice is not None:
            for material in notice.materials:
                status = str(material.get("status", ""))
                label = MaterialStatus(status).label if status in MaterialStatus.values else status
                choices.append((str(material["name"]), f"{material['name']} — {label}"))
        self.fields["listed"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        listed, other = data.get("listed"), (data.get("other") or "").strip()
        if listed and other:
            self.add_error("other", _("Choose a material on the notice or name another, not both."))
        elif not listed and not other:
            self.add_error("listed", _("Choose a material on the notice or name another."))
        data["material"] = other or listed or ""
        return data
