package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Each bad config must fail with every listed message; one file may carry
// several problems, and Validate must report them all at once.
func TestBadConfigs(t *testing.T) {
	cases := map[string][]string{
		"unknown_key.bad.yaml":         {"field lakes not found"},
		"unknown_option.bad.yaml":      {"jobs.census-exports.options: ", "field partnr not found"},
		"bad_schedule.bad.yaml":        {"jobs.census-exports.schedule: \"61 * * * *\""},
		"unknown_source.bad.yaml":      {"jobs.x.source: unknown source \"comtrade\""},
		"bad_lake.bad.yaml":            {"lake: ", "scheme \"gs\""},
		"duplicate_job.bad.yaml":       {"jobs.census-exports: job defined more than once"},
		"after_cycle.bad.yaml":         {"jobs: after: cycle a -> b -> a"},
		"overlapping_writers.bad.yaml": {"jobs.two: writes trade_flows/source=census/flow=export, as job one does"},
		"no_jobs.bad.yaml":             {"jobs: no jobs defined"},
		"bad_policy.bad.yaml":          {"\"soon\" is not a duration"},
		"bad_policy2.bad.yaml": {
			"jobs.census-exports.overlap: \"parallel\" is not skip or queue",
			"jobs.census-exports.jitter: must not be negative",
			"jobs.census-exports.max_attempts: must be 0 (default 3) or more",
		},
		"compliance.bad.yaml": {
			"jobs.compliance.options.baseline: \"guess\"",
			"jobs.compliance.options.proration: \"quarterly\"",
			"jobs.compliance.options.bases[1]: \"eu_imports\"",
			"jobs.compliance.options.services.usd_bn.2019: Phase One covers 2020 and 2021 only",
		},
		"compliance_bad_number.bad.yaml": {"jobs.compliance.options: ", "\"lots\" is not a decimal number"},
		"gacc_options.bad.yaml": {
			"jobs.gacc-imports.options.flow: \"sideways\" is not import or export",
			"jobs.gacc-imports.options.base_url: \"ftp://customs\"",
			"jobs.gacc-imports.options.max_attempts: must be 0",
			"jobs.gacc-imports.options.reconcile_tolerance: \"5%\" is not a decimal between 0 and 1",
			"jobs.gacc-empty.options: needs an inbox or a base_url",
			"jobs.gacc-typo.options: ", "field inbx not found",
		},
		"panjiva_options.bad.yaml": {
			"jobs.shipments.options.inbox: required when the job has a schedule",
			"jobs.shipments.options.aliases[\"Arrival Dt\"]: \"arrival\" is not a field",
			"jobs.shipments.options.country_aliases[\"Formosa\"]: \"tw\" is not an ISO 3166-1 alpha-2 code",
			"jobs.shipments.options.header_search_rows: must be 0 (default) or more",
			"jobs.shipments.options.unzip_xml_size_limit: must not exceed unzip_size_limit",
		},
		"many_problems.bad.yaml": {
			"lake: URL \"s3:///nobucket\": no bucket",
			"server.listen: \"localhost\" is not host:port",
			"server.token_env: \"not a name\"",
			"jobs.Bad_Name: job name must be",
			"jobs.Bad_Name.options.flow: \"sideways\"",
			"jobs.Bad_Name.options.partner: \"0000\"",
			"jobs.Bad_Name.options.level: \"HS5\"",
			"jobs.b.schedule: \"CRON_TZ=Mars/Olympus",
			"jobs.b.window: must be 0 or more",
			"jobs.b.after[0]: unknown job \"nope\"",
			"jobs.b.after[1]: a job cannot run after itself",
			"jobs.b.options.base_url: \"ftp://x\"",
			"jobs.b.options.inbox: ",
			"jobs.b.options.api_key_env: \"1BAD\"",
		},
	}
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(cases) {
		t.Errorf("%d bad configs in testdata, %d cases: keep them in step", len(files), len(cases))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := cases[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			_, err := Load(f)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			var ps Problems
			if errors.As(err, &ps) && name == "many_problems.bad.yaml" && len(ps) < len(want) {
				t.Errorf("got %d problems, want at least %d:\n%v", len(ps), len(want), err)
			}
		})
	}
}

func TestGoodConfig(t *testing.T) {
	c, err := Load("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.JobNames(); strings.Join(got, ",") != "census-exports,census-imports" {
		t.Errorf("jobs in order = %v", got)
	}
	ex := c.Jobs.Get("census-exports").Decoded.(*CensusOptions)
	if ex.Flow != "export" || ex.Partner != "5700" || time.Duration(ex.Timeout) != 30*time.Second {
		t.Errorf("census-exports options = %+v", ex)
	}
	im := c.Jobs.Get("census-imports")
	if im.Window != 3 {
		t.Errorf("default window = %d, want 3", im.Window)
	}
	if opts := im.Decoded.(*CensusOptions); opts.Level != "HS6" || opts.Inbox != "file://./inbox/census" {
		t.Errorf("census-imports options = %+v", opts)
	}
	if c.Server.Listen != "127.0.0.1:8080" || c.S3.Region != "us-east-1" || !c.S3.PathStyle {
		t.Errorf("server/s3 = %+v %+v", c.Server, c.S3)
	}
}

func TestPath(t *testing.T) {
	t.Setenv("TRADEPIPE_CONFIG", "")
	if got := Path(""); got != "tradepipe.yaml" {
		t.Errorf("Path() = %q", got)
	}
	t.Setenv("TRADEPIPE_CONFIG", "/etc/tp.yaml")
	if got := Path(""); got != "/etc/tp.yaml" {
		t.Errorf("Path() with env = %q", got)
	}
	if got := Path("x.yaml"); got != "x.yaml" {
		t.Errorf("Path(flag) = %q", got)
	}
}

func TestGACCOptions(t *testing.T) {
	c, err := Parse([]byte(`
jobs:
  gacc-imports:
    source: gacc
    schedule: "0 3 * * *"
    options: {inbox: file://./inbox/gacc}
  gacc-exports-live:
    source: gacc
    options: {flow: export, base_url: "https://customs.example/{year}/{month}.html", timeout: 20s, max_attempts: 3}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	im := c.Jobs.Get("gacc-imports")
	if o := im.Decoded.(*GACCOptions); o.Flow != "import" || o.Inbox != "file://./inbox/gacc" || im.Window != 2 {
		t.Errorf("gacc-imports = %+v window %d", o, im.Window)
	}
	ex := c.Jobs.Get("gacc-exports-live").Decoded.(*GACCOptions)
	if ex.Flow != "export" || time.Duration(ex.Timeout) != 20*time.Second || ex.MaxAttempts != 3 || ex.Writes() != "trade_flows/source=gacc/flow=export" {
		t.Errorf("gacc-exports-live = %+v", ex)
	}
}
