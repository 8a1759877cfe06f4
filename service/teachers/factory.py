"""The escalation teacher the routing settings ask for, with its price where it has one."""

from __future__ import annotations

from collections.abc import Sequence

from service.cost.prices import CharacterPricedTeacher, ChatTeacher, priced_teacher
from service.cost.settings import CostSettings
from service.engine.dispatcher import BatchListener
from service.routing.settings import RoutingConfigError, RoutingSettings, variable_name
from service.settings import ServiceSettings
from service.teachers.base import TeacherClient, bearer
from service.teachers.bundle import BundleTeacher
from service.teachers.chat import ChatTeacherClient
from service.teachers.deepl import DeepLTeacher
from service.teachers.mt import MtTeacher


def build_teacher(
    routing: RoutingSettings,
    cost: CostSettings,
    service: ServiceSettings,
    teacher_listeners: Sequence[BatchListener] = (),
) -> tuple[TeacherClient, CharacterPricedTeacher | ChatTeacher | None]:
    """(client, its price-list entry or None when its cost is measured). Raises
    `RoutingConfigError` (naming the variable) for a teacher without the price it needs."""
    name = routing.teacher_name
    key = routing.teacher_api_key.get_secret_value() if routing.teacher_api_key else None
    timeout = routing.timeout_seconds
    protocol = routing.teacher_protocol
    if protocol == "bundle":
        assert routing.teacher_dir is not None  # load_routing_settings checked it
        usd_per_cpu_second = cost.vcpu_usd_per_hour / 3600
        folder = routing.teacher_dir
        return BundleTeacher(name, folder, service, usd_per_cpu_second, teacher_listeners), None
    if protocol == "mt":
        return MtTeacher(name, routing.teacher_url, timeout, bearer(key)), None
    price = _price(routing, cost)
    if isinstance(price, CharacterPricedTeacher):
        if protocol != "deepl":
            raise RoutingConfigError(f"{variable_name('teacher_price')}: not a token price")
        client = DeepLTeacher(name, routing.teacher_url, timeout, price.usd_per_character, key)
        return client, price
    if protocol != "openai":
        raise RoutingConfigError(f"{variable_name('teacher_price')}: not a character price")
    chat = ChatTeacherClient(
        name, routing.teacher_url, timeout, routing.teacher_model, price.usage_cost_usd, key
    )
    return chat, price


def _price(routing: RoutingSettings, cost: CostSettings) -> CharacterPricedTeacher | ChatTeacher:
    default = "deepl" if routing.teacher_protocol == "deepl" else routing.teacher_model
    name = routing.teacher_price or default
    try:
        return priced_teacher(cost, name, ("prices",))
    except ValueError as error:
        raise RoutingConfigError(f"{variable_name('teacher_price')}: {error}") from None
