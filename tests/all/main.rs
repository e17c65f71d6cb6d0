mod feeds_oracle;
