package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Each bad config must fail with every listed message; one file may carry
// several problems, and Validate must report them all at once.
func TestBadConfigs(t *testing.T) {
	cases := map[string][]string{
		"unknown_key.bad.yaml":    {`testdata/unknown_key.bad.yaml:2: lakes: unknown key "lakes" (did you mean "lake"?)`},
		"unknown_option.bad.yaml": {`:4: jobs.census-exports.options.partnr: unknown key "partnr" (did you mean "partner"?)`},
		"bad_schedule.bad.yaml":   {"jobs.census-exports.schedule: \"61 * * * *\""},
		"unknown_source.bad.yaml": {"jobs.x.source: unknown source \"comtrade\""},
		"bad_lake.bad.yaml":       {"lake: ", "scheme \"gs\""},
		"memory_limit.bad.yaml":   {":2: memory_limit: must be 0 (no limit) or more bytes", ":3: gc_headroom: must be 0 (off) or more bytes"},
		"duplicate_job.bad.yaml":  {"jobs.census-exports: job defined more than once"},
		"after_cycle.bad.yaml":    {"jobs: after: cycle a -> b -> a"},
		"overlapping_writers.bad.yaml": {
			"jobs.two: writes partner CN of trade_flows/source=census/flow=export, as job one does",
			"jobs.three: writes partner CN of trade_flows/source=census/flow=export, as job one does",
			"jobs.hk-again: writes partner HK of trade_flows/source=census/flow=import, as job hk does",
		},
		"census_partners.bad.yaml": {
			"jobs.both.options.partners: give partner or partners, not both",
			`jobs.group.options.partners[0]: "0003" is not a Schedule C country code`,
			`jobs.group.options.partners[2]: "5700" is listed twice`,
			`jobs.word.options.partners: "some" is not all or a list of Schedule C codes`,
			"jobs.nested.options.partners: is not all or a list of Schedule C codes",
		},
		"lineage.bad.yaml":     {`lineage.url: "ftp://marquez/api/v1/lineage" is not an http(s) URL`, `lineage.file: "s3://bucket/lineage.jsonl" is not a file path`},
		"lineage_key.bad.yaml": {`:3: lineage.uri: unknown key "uri" (did you mean "url"?)`},
		"no_jobs.bad.yaml":     {"jobs: no jobs defined"},
		"bad_policy.bad.yaml":  {"\"soon\" is not a duration"},
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
		"compliance_bad_number.bad.yaml": {`:7: jobs.compliance.options.services.usd_bn: "lots" is not a decimal number`},
		"iceberg.bad.yaml": {
			`iceberg.namespace: "Trade-Data" is not lowercase letters, digits and _`,
			`iceberg.location: "not a url" is not a URL`,
			`iceberg.catalogs.prod.uri: "ftp://catalog" is not an http(s) URL`,
			"iceberg.catalogs.prod.catalog_id: only for a glue catalog",
			`iceberg.catalogs.prod.token_env: "BAD VAR" is not an environment variable name`,
			"iceberg.catalogs.aws.uri: only for a rest catalog",
			"iceberg.catalogs.aws.sigv4: only for a rest catalog",
			`iceberg.catalogs.other.type: unknown catalog type "hive" (one of glue, rest)`,
			`:23: iceberg.catalogs.typo.warehous: unknown key "warehous" (did you mean "warehouse"?)`,
		},
		"iceberg_expire.bad.yaml": {
			"iceberg.expire.max_snapshot_age: 1h0m0s is less than the 24h0m0s the lake keeps replaced files for",
			"iceberg.expire.min_snapshots_to_keep: 0 is less than 1",
			"iceberg.expire.previous_versions_max: -3 is less than 1",
			`:10: iceberg.expire.delete_after_comit: unknown key "delete_after_comit" (did you mean "delete_after_commit"?)`,
		},
		"gacc_options.bad.yaml": {
			"jobs.gacc-imports.options.flow: \"sideways\" is not import or export",
			"jobs.gacc-imports.options.base_url: \"ftp://customs\"",
			"jobs.gacc-imports.options.max_attempts: must be 0",
			"jobs.gacc-imports.options.reconcile_tolerance: \"5%\" is not a decimal between 0 and 1",
			"jobs.gacc-empty.options: needs an inbox or a base_url",
			`:10: jobs.gacc-typo.options.inbx: unknown key "inbx" (did you mean "inbox"?)`,
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

// A schedule without CRON_TZ is in UTC whatever the host's zone; robfig/cron
// alone would use time.Local. time.Local is swapped for the test (no other
// test in the package runs in parallel).
func TestScheduleUTC(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	saved := time.Local
	time.Local = shanghai
	t.Cleanup(func() { time.Local = saved })
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec, zone string
		next       time.Time
	}{
		{"0 3 * * *", "UTC", time.Date(2026, 6, 1, 3, 0, 0, 0, time.UTC)},
		{"@daily", "UTC", time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=America/New_York 30 8 * * *", "America/New_York", time.Date(2026, 6, 1, 12, 30, 0, 0, time.UTC)},
		{"TZ=Asia/Shanghai 0 3 * * *", "Asia/Shanghai", time.Date(2026, 6, 1, 19, 0, 0, 0, time.UTC)},
		{"@every 15m", "UTC", from.Add(15 * time.Minute)},
	} {
		s, err := ParseSchedule(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		if got := s.Next(from); !got.Equal(tc.next) {
			t.Errorf("%s: next = %s, want %s", tc.spec, got.UTC(), tc.next)
		}
		if got := ScheduleZone(tc.spec); got != tc.zone {
			t.Errorf("%s: zone = %q, want %q", tc.spec, got, tc.zone)
		}
	}
}

// validate reports every problem in one pass, each on the line of the
// file where it is, with its YAML field path and no Go type names.
func TestProblemLines(t *testing.T) {
	_, err := Load("testdata/lines.yaml.txt")
	want := []string{
		`testdata/lines.yaml.txt:4: server.tokn_env: unknown key "tokn_env" (did you mean "token_env"?)`,
		`testdata/lines.yaml.txt:9: jobs.census-exports.window: "three" is not a whole number`,
		`testdata/lines.yaml.txt:12: jobs.census-exports.options.partnr: unknown key "partnr" (did you mean "partner"?)`,
		`testdata/lines.yaml.txt:13: jobs.census-exports.frequency: unknown key "frequency" (known keys: after, catchup_window, jitter, max_attempts, options, overlap, rate_limit, release_date, retry_backoff, schedule, source, window)`,
		`testdata/lines.yaml.txt:16: jobs.gacc-imports.options.flow: "sideways" is not import or export`,
		`testdata/lines.yaml.txt:17: jobs.gacc-imports.after: "census-exports" is not a list of strings`,
	}
	if got := strings.Split(fmt.Sprint(err), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A mis-indented key is reported on its own line, not where its
	// block starts.
	_, err = Parse([]byte("lake: file://./lake\njobs:\n  a:\n    source: census\n   schedule: \"0 3 * * *\"\n"))
	if got := fmt.Sprint(err); got != "5: YAML syntax: did not find expected key" {
		t.Errorf("indentation error = %q", got)
	}
}

// Jobs for disjoint partner sets of one flow share a lake; all partners
// of another flow too.
func TestPartnerJobsShareALake(t *testing.T) {
	c, err := Load("testdata/partners.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		partner string
		covers  string
		all     bool
	}{
		"census-china":       {partner: "5700", covers: "CN"},
		"census-hk":          {covers: "HK"},
		"census-rest":        {covers: "MO,TW"},
		"census-all-imports": {all: true},
	}
	for name, want := range cases {
		o := c.Jobs.Get(name).Decoded.(*CensusOptions)
		covers := o.Covers()
		if o.Partner != want.partner || o.Partners.All != want.all || strings.Join(covers, ",") != want.covers || (covers == nil) != want.all {
			t.Errorf("%s: partner %q partners %+v covers %v", name, o.Partner, o.Partners, covers)
		}
	}
}

// The partners example in examples/ validates: jobs for 5700, 5820 and
// 5660 of one flow beside an all-partner job of the other.
func TestPartnersExampleValidates(t *testing.T) {
	c, err := Load("../../examples/partners.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if o := c.Jobs.Get("census-imports").Decoded.(*CensusOptions); !o.Partners.All || o.Flow != "import" {
		t.Errorf("census-imports options %+v", o)
	}
}

// The retention defaults come from DefaultIcebergExpire; a file that
// names one key keeps the others' defaults.
func TestIcebergExpireDefaults(t *testing.T) {
	jobs := "jobs:\n  census-exports:\n    source: census\n    options: {flow: export, partner: \"5700\", level: HS6}\n"
	for _, tc := range []struct {
		doc  string
		want IcebergExpire
	}{
		{jobs, DefaultIcebergExpire()},
		{jobs + "iceberg:\n  expire: {max_snapshot_age: 72h}\n", IcebergExpire{
			MaxSnapshotAge: Duration(72 * time.Hour), MinSnapshotsToKeep: 1, PreviousVersionsMax: 10, DeleteAfterCommit: true}},
		{jobs + "iceberg:\n  expire: {disabled: true, max_snapshot_age: 1s}\n", IcebergExpire{
			Disabled: true, MaxSnapshotAge: Duration(time.Second), MinSnapshotsToKeep: 1, PreviousVersionsMax: 10, DeleteAfterCommit: true}},
	} {
		c, err := Parse([]byte(tc.doc))
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			t.Errorf("%s: %v", tc.doc, err)
			continue
		}
		if c.Iceberg.Expire != tc.want || c.Iceberg.Namespace != "tradepipe" {
			t.Errorf("%s: expire %+v namespace %q, want %+v, tradepipe", tc.doc, c.Iceberg.Expire, c.Iceberg.Namespace, tc.want)
		}
	}
	if d := DefaultIcebergExpire(); time.Duration(d.MaxSnapshotAge) != 24*time.Hour || d.MinSnapshotsToKeep != 1 {
		t.Errorf("defaults %+v", d)
	}
}
