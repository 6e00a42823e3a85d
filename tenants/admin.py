from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.models import Membership, Plan, PlanStatus, Tenant, UsageMonth, User


class MembershipInline(admin.TabularInline[Membership, Tenant]):
    model = Membership
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin[Tenant]):
    list_display = ("name", "slug", "plan_status", "plan", "plan_ends_at", "trial_ends_at")
    inlines = (MembershipInline,)
    actions = ("activate_plan",)

    @admin.action(description="Activate the plan (ends the trial, flows run again)")
    def activate_plan(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        queryset.update(plan_status=PlanStatus.ACTIVE)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("email", "is_staff", "date_joined")
    search_fields = ("email",)
    exclude = ("password",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    list_display = (
        "name",
        "price_excl_vat",
        "max_integrations",
        "records_per_month",
        "log_retention_days",
        "public",
        "position",
    )
    list_editable = ("public", "position")
    prepopulated_fields: ClassVar = {"slug": ("name",)}


@admin.register(UsageMonth)
class UsageMonthAdmin(admin.ModelAdmin[UsageMonth]):
    list_display = ("tenant", "month", "records", "api_calls")
    list_filter = ("month",)
    search_fields = ("tenant__name", "tenant__slug")
