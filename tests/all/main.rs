mod config_ui;
