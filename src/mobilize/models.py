"""Every ORM model, imported in one place so that the metadata is complete for migrations."""


def import_all_models() -> None:
    import mobilize.agencies.models
    import mobilize.audit.models
    import mobilize.auth.models
    import mobilize.inbox.models
    import mobilize.jobs.models
    import mobilize.operations.models
    import mobilize.requests.models  # noqa: F401
