
mod schedule_props;
