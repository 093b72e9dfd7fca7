package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/sinks/iceberg"
	"github.com/tradepipe/tradepipe/sinks/lake"

	"github.com/apache/iceberg-go/catalog/glue"
	"github.com/apache/iceberg-go/catalog/rest"
)

func newTablesCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "tables",
		Short: "The lake's Iceberg tables: list their metadata, register them in a catalog",
		Long: `Every lake table is also an Apache Iceberg table whose metadata lives in the lake
(<lake>/_iceberg/<table>/metadata/vN.metadata.json), one snapshot per committed
release. "tables list" prints each table's current metadata location (what DuckDB's
iceberg_scan, Trino's register_table and Spark take); "tables register" publishes
the tables to a catalog of the config's iceberg.catalogs.`,
		Args: noArgs("tables"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{"tables needs a subcommand: list or register"}
		},
	}
	c.AddCommand(newTablesListCmd(g), newTablesRegisterCmd(g))
	return c
}

// tablesWriter opens the config's lake and its Iceberg writer.
func tablesWriter(g *globals) (*config.Config, *iceberg.Writer, error) {
	cfg, err := loadConfig(g.config)
	if err != nil {
		return nil, nil, err
	}
	l, err := lake.Open(g.ctx, cfg.Lake, openers(cfg))
	if err != nil {
		return nil, nil, fmt.Errorf("open lake: %w", err)
	}
	w := icebergWriter(cfg, l)
	if w == nil {
		return nil, nil, fmt.Errorf("%w: iceberg tables are disabled (iceberg.disabled) or the lake %s cannot write conditionally", errConfig, l.URL())
	}
	return cfg, w, nil
}

func newTablesListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Print each Iceberg table's current snapshot and metadata location",
		Args:  noArgs("tables list"),
		RunE: func(*cobra.Command, []string) error {
			_, w, err := tablesWriter(g)
			if err != nil {
				return err
			}
			defs, err := iceberg.Defs()
			if err != nil {
				return err
			}
			for _, d := range defs {
				md, v, err := w.Current(g.ctx, d.Table.Name)
				if err != nil {
					return err
				}
				if md == nil || md.CurrentSnapshot() == nil {
					fmt.Fprintf(g.stdout, "%s: no snapshot yet\n", d.Table.Name)
					continue
				}
				s := md.CurrentSnapshot()
				fmt.Fprintf(g.stdout, "%s: snapshot %d (%d snapshots), %s\n", d.Table.Name, s.SnapshotID, len(md.Snapshots()),
					w.TableLocation(d.Table.Name)+"/metadata/"+fmt.Sprintf("v%d.metadata.json", v))
			}
			return nil
		},
	}
}

func newTablesRegisterCmd(g *globals) *cobra.Command {
	var name string
	c := &cobra.Command{
		Use:   "register [--catalog NAME]",
		Short: "Register the Iceberg tables in a configured catalog, or bring them up to date there",
		Long: `Write the snapshots of any committed release that lacks them, then publish every
Iceberg table to the catalog NAME of iceberg.catalogs (the only one when there is one):
a table the catalog does not know is registered with its current metadata location;
one it knows gets the snapshots it lacks in one commit.`,
		Args: noArgs("tables register"),
		RunE: func(*cobra.Command, []string) error {
			cfg, w, err := tablesWriter(g)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(cfg.Iceberg.Catalogs))
			for n := range cfg.Iceberg.Catalogs {
				names = append(names, n)
			}
			slices.Sort(names)
			switch {
			case name == "" && len(names) == 1:
				name = names[0]
			case name == "":
				return usageError{fmt.Sprintf("--catalog is required (configured: %s)", orNone(names))}
			}
			cc, ok := cfg.Iceberg.Catalogs[name]
			if !ok {
				return usageError{fmt.Sprintf("no catalog %q in iceberg.catalogs (configured: %s)", name, orNone(names))}
			}
			cat, err := openCatalog(g.ctx, name, cc, cfg)
			if err != nil {
				return fmt.Errorf("catalog %s: %w", name, err)
			}
			if _, err := w.Catchup(g.ctx); err != nil {
				return err
			}
			regs, err := w.Register(g.ctx, cat, cfg.Iceberg.Namespace)
			for _, r := range regs {
				fmt.Fprintf(g.stdout, "%s.%s: %s in %s", cfg.Iceberg.Namespace, r.Table, r.Action, name)
				if r.Added > 0 {
					fmt.Fprintf(g.stdout, " (%d snapshots)", r.Added)
				}
				if r.Expired > 0 {
					fmt.Fprintf(g.stdout, " (%d expired)", r.Expired)
				}
				fmt.Fprintf(g.stdout, ", snapshot %d, %s\n", r.SnapshotID, r.Metadata)
			}
			if err != nil {
				return fmt.Errorf("register in catalog %s: %w", name, err)
			}
			if len(regs) == 0 {
				fmt.Fprintln(g.stdout, "no table has a snapshot yet: nothing registered")
			}
			return nil
		},
	}
	c.Flags().StringVar(&name, "catalog", "", "catalog `NAME` from iceberg.catalogs (default: the only one)")
	return c
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// openCatalog builds the iceberg-go catalog a config entry describes.
// Secrets come from the environment variables the entry names.
func openCatalog(ctx context.Context, name string, cc config.Catalog, cfg *config.Config) (iceberg.Catalog, error) {
	region := cc.Region
	if region == "" {
		region = cfg.S3.Region
	}
	switch cc.Type {
	case "rest":
		var opts []rest.Option
		if cc.Warehouse != "" {
			opts = append(opts, rest.WithWarehouseLocation(cc.Warehouse))
		}
		if cc.Prefix != "" {
			opts = append(opts, rest.WithPrefix(cc.Prefix))
		}
		if cc.CredentialEnv != "" {
			v := os.Getenv(cc.CredentialEnv)
			if v == "" {
				return nil, fmt.Errorf("$%s (credential_env) is empty", cc.CredentialEnv)
			}
			opts = append(opts, rest.WithCredential(v))
		}
		if cc.TokenEnv != "" {
			v := os.Getenv(cc.TokenEnv)
			if v == "" {
				return nil, fmt.Errorf("$%s (token_env) is empty", cc.TokenEnv)
			}
			opts = append(opts, rest.WithOAuthToken(v))
		}
		if cc.SigV4 {
			svc := cc.SigV4Service
			if svc == "" {
				svc = "glue"
			}
			opts = append(opts, rest.WithSigV4RegionSvc(region, svc))
		}
		return rest.NewCatalog(ctx, name, cc.URI, opts...)
	case "glue":
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
		if err != nil {
			return nil, fmt.Errorf("aws config: %w", err)
		}
		opts := []glue.Option{glue.WithAwsConfig(awsCfg)}
		if cc.CatalogID != "" {
			opts = append(opts, glue.WithAwsProperties(glue.AwsProperties{glue.CatalogIdKey: cc.CatalogID}))
		}
		return glue.NewCatalog(opts...)
	}
	return nil, fmt.Errorf("unknown catalog type %q", cc.Type)
}
