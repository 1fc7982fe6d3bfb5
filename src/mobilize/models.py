"""Every ORM model, imported in one place so that the metadata is complete for migrations."""


def import_all_models() -> None:
    import mobilize.agencies.models
    import mobilize.operations.models  # noqa: F401
