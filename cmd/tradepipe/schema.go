package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/internal/schema/ddl"
	"github.com/tradepipe/tradepipe/sinks/iceberg"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

func newSchemaCmd(g *globals) *cobra.Command {
	var r ddl.Request
	var engine string
	c := &cobra.Command{
		Use:   "schema [TABLE] [--format json|sql] [--engine ENGINE]",
		Short: "Print the lake's tables as JSON, or the SQL that makes engines query them",
		Long: `Print every table (or TABLE) of the lake: as JSON (columns, types, partition keys,
sort order, bloom filters), or with --format sql the statements that make DuckDB
(views), Athena (external tables with partition projection), Trino's Hive
connector and Spark (external tables) query the Hive layout, and the statements
that read the Iceberg tables (duckdb-iceberg: iceberg_scan; trino-iceberg and
spark-iceberg: register_table; athena-iceberg: the tables tables register puts in
Glue), for the configured lake (or --lake). The Iceberg statements name each
table's current metadata file and its snapshots, read from the lake; a table
with no snapshot yet gets placeholders. Everything comes from the definitions
the Parquet writer uses.`,
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
			if r.Format == "sql" {
				if r.Engine != "" && !r.Engine.Known() {
					return usageError{fmt.Sprintf("unknown engine %q (known: %s)", engine, engineNames())}
				}
				cfg := config.Default()
				if r.Lake == "" {
					c, err := loadConfig(g.config)
					if err != nil {
						return err
					}
					cfg, r.Lake = *c, c.Lake
				} else {
					cfg.Lake = r.Lake
				}
				if r.Engine == "" || r.Engine.Iceberg() {
					st, err := icebergState(g.ctx, &cfg, r.Table)
					if err != nil {
						return fmt.Errorf("read the Iceberg tables of %s: %w", cfg.Lake, err)
					}
					r.Iceberg = st
				}
			}
			if err := ddl.Run(g.stdout, r); err != nil {
				return usageError{err.Error()}
			}
			return nil
		},
	}
	c.Flags().StringVar(&r.Format, "format", "json", "`FORMAT`: json or sql")
	c.Flags().StringVar(&engine, "engine", "", "`ENGINE` for sql: "+engineNames()+" (default: all)")
	c.Flags().StringVar(&r.Lake, "lake", "", "lake `URL` for sql (default: the config's lake)")
	c.Flags().StringVar(&r.Database, "database", "", "database or schema to create the tables in (default tradepipe)")
	c.Flags().StringVar(&r.Catalog, "catalog", "", "Trino catalog (default hive; iceberg for trino-iceberg and spark-iceberg)")
	return c
}

func engineNames() string {
	s := ""
	for i, e := range ddl.Engines {
		if i > 0 {
			s += ", "
		}
		s += string(e)
	}
	return s
}

// icebergState reads the current metadata location and snapshots of
// every table (or of table) from cfg's lake, for the Iceberg statements.
// A directory lake that does not exist yet has none (and is not
// created); neither has a lake whose Iceberg tables are off.
func icebergState(ctx context.Context, cfg *config.Config, table string) (map[string]ddl.IcebergTable, error) {
	u, err := lake.ParseURL(cfg.Lake)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "file" {
		if _, err := os.Stat(u.Path); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	l, err := lake.Open(ctx, cfg.Lake, openers(cfg))
	if err != nil {
		return nil, err
	}
	w := icebergWriter(cfg, l)
	if w == nil {
		return nil, nil
	}
	out := map[string]ddl.IcebergTable{}
	for _, t := range schema.Tables() {
		if table != "" && t.Name != table {
			continue
		}
		st, ok, err := w.State(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		it := ddl.IcebergTable{TableLocation: st.TableLocation, MetadataLocation: st.MetadataLocation}
		for _, s := range st.Snapshots {
			sn := ddl.IcebergSnapshot{ID: s.SnapshotID, Committed: time.UnixMilli(s.TimestampMs).UTC()}
			if s.Summary != nil {
				sn.ReleaseID = s.Summary.Properties[iceberg.PropRelease]
			}
			it.Snapshots = append(it.Snapshots, sn)
		}
		out[t.Name] = it
	}
	return out, nil
}
