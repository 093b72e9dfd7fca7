package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/internal/schema/ddl"
)

func newSchemaCmd(g *globals) *cobra.Command {
	var r ddl.Request
	var engine string
	c := &cobra.Command{
		Use:   "schema [TABLE] [--format json|sql] [--engine duckdb|athena|trino|spark]",
		Short: "Print the lake's tables as JSON, or the SQL that makes engines query them",
		Long: `Print every table (or TABLE) of the lake: as JSON (columns, types, partition keys,
sort order, bloom filters), or with --format sql the statements that make DuckDB
(views), Athena (external tables with partition projection), Trino's Hive
connector and Spark (external tables) query it, for the configured lake
(or --lake). They come from the definitions the Parquet writer uses.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Sprintf("schema takes at most one table (got %q)", args)}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				r.Table = args[0]
			}
			r.Engine = ddl.Engine(engine)
			if r.Format == "sql" && r.Lake == "" {
				cfg, err := loadConfig(g.config)
				if err != nil {
					return err
				}
				r.Lake = cfg.Lake
			}
			if err := ddl.Run(g.stdout, r); err != nil {
				return usageError{err.Error()}
			}
			return nil
		},
	}
	c.Flags().StringVar(&r.Format, "format", "json", "`FORMAT`: json or sql")
	c.Flags().StringVar(&engine, "engine", "", "`ENGINE` for sql: duckdb, athena, trino or spark (default: all)")
	c.Flags().StringVar(&r.Lake, "lake", "", "lake `URL` for sql (default: the config's lake)")
	c.Flags().StringVar(&r.Database, "database", "", "database or schema to create the tables in (default tradepipe)")
	c.Flags().StringVar(&r.Catalog, "catalog", "", "Trino catalog (default hive)")
	return c
}
