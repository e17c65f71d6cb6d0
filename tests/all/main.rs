mod schedule_props;
