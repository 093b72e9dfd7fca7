package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	icetable "github.com/apache/iceberg-go/table"
)

// fakeRESTCatalog is a FAKE Iceberg REST catalog: no REST catalog server
// runs here (none is packaged for apt, npm or the Go proxy), so this
// implements, at the HTTP boundary, the endpoints of the REST spec that
// `tables register` uses: GET /v1/config, GET and POST namespaces, POST
// .../register, GET .../tables/{t} and POST .../tables/{t} (commit, with
// the requirements checked and the updates applied by iceberg-go's own
// table package). Registered metadata is read from the lake's files.
type fakeRESTCatalog struct {
	t      *testing.T
	lake   string // directory the file:// metadata locations point into
	mu     sync.Mutex
	ns     map[string]bool
	tables map[string]*fakeTable
}

type fakeTable struct {
	loc string
	md  icetable.Metadata
}

func (f *fakeRESTCatalog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fail := func(code int, typ, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":%q,"code":%d}}`, msg, typ, code)
	}
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(v); err != nil {
			f.t.Error(err)
		}
	}
	table := func(ft *fakeTable) {
		reply(map[string]any{"metadata-location": ft.loc, "metadata": ft.md, "config": map[string]string{}})
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/config":
		reply(map[string]any{"defaults": map[string]string{}, "overrides": map[string]string{}})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/namespaces":
		var body struct {
			Namespace []string `json:"namespace"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Namespace) != 1 {
			fail(400, "BadRequestException", "bad namespace")
			return
		}
		f.ns[body.Namespace[0]] = true
		reply(map[string]any{"namespace": body.Namespace, "properties": map[string]string{}})
	case len(parts) == 3 && parts[1] == "namespaces" && r.Method == http.MethodGet:
		if !f.ns[parts[2]] {
			fail(404, "NoSuchNamespaceException", "no namespace "+parts[2])
			return
		}
		reply(map[string]any{"namespace": []string{parts[2]}, "properties": map[string]string{}})
	case len(parts) == 4 && parts[3] == "register" && r.Method == http.MethodPost:
		var body struct {
			Name string `json:"name"`
			Loc  string `json:"metadata-location"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(400, "BadRequestException", err.Error())
			return
		}
		id := parts[2] + "." + body.Name
		if _, ok := f.tables[id]; ok {
			fail(409, "AlreadyExistsException", id+" exists")
			return
		}
		p, ok := strings.CutPrefix(body.Loc, "file://")
		if !ok || !strings.HasPrefix(p, f.lake+"/") {
			fail(400, "BadRequestException", "metadata location "+body.Loc+" is not in the lake")
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			fail(400, "BadRequestException", err.Error())
			return
		}
		md, err := icetable.ParseMetadataBytes(b)
		if err != nil {
			fail(400, "BadRequestException", err.Error())
			return
		}
		f.tables[id] = &fakeTable{loc: body.Loc, md: md}
		table(f.tables[id])
	case len(parts) == 5 && parts[3] == "tables":
		id := parts[2] + "." + parts[4]
		ft, ok := f.tables[id]
		if !ok {
			fail(404, "NoSuchTableException", "no table "+id)
			return
		}
		if r.Method == http.MethodGet {
			table(ft)
			return
		}
		var body struct {
			Requirements icetable.Requirements `json:"requirements"`
			Updates      icetable.Updates      `json:"updates"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(400, "BadRequestException", err.Error())
			return
		}
		for _, req := range body.Requirements {
			if err := req.Validate(ft.md); err != nil {
				fail(409, "CommitFailedException", err.Error())
				return
			}
		}
		loc := fmt.Sprintf("fake://%s/%d.metadata.json", id, len(ft.md.Snapshots())+1)
		md, err := icetable.UpdateTableMetadata(ft.md, body.Updates, loc)
		if err != nil {
			fail(400, "BadRequestException", err.Error())
			return
		}
		ft.md, ft.loc = md, loc
		table(ft)
	default:
		fail(404, "NotFoundException", r.Method+" "+r.URL.Path)
	}
}

// `tables register` against a (fake) REST catalog: the first call
// registers every table with its metadata location in the lake; after a
// later release, the second commits the one snapshot the catalog lacks
// on top of the one it had; a third finds everything current.
func TestTablesRegisterREST(t *testing.T) {
	cfg, inbox, lakeDir := testConfig(t)
	fake := &fakeRESTCatalog{t: t, lake: lakeDir, ns: map[string]bool{}, tables: map[string]*fakeTable{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, fmt.Sprintf("iceberg:\n  catalogs:\n    fake:\n      type: rest\n      uri: %s\n", srv.URL)...)
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("run", "--once", "--config", cfg); code != exitOK {
		t.Fatalf("run --once: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := runCLI("tables", "register", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "tradepipe.trade_flows: registered in fake") {
		t.Fatalf("register: exit %d\n%s\n%s", code, out, errs)
	}
	ft := fake.tables["tradepipe.trade_flows"]
	if ft == nil || !strings.HasPrefix(ft.loc, "file://"+lakeDir+"/_iceberg/trade_flows/metadata/v") {
		t.Fatalf("catalog's trade_flows: %+v", ft)
	}
	first := ft.md.CurrentSnapshot().SnapshotID
	n := len(ft.md.Snapshots()) // one per monthly release of the inbox

	// A revision of one month: the lake's table gets a snapshot the
	// catalog lacks.
	revise(t, inbox)
	if code, out, errs := runCLI("run", "--once", "--config", cfg); code != exitOK {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI("tables", "register", "--config", cfg, "--catalog", "fake")
	if code != exitOK || !strings.Contains(out, "tradepipe.trade_flows: updated in fake (1 snapshots)") {
		t.Fatalf("second register: exit %d\n%s\n%s", code, out, errs)
	}
	md := fake.tables["tradepipe.trade_flows"].md
	cur := md.CurrentSnapshot()
	if cur == nil || cur.ParentSnapshotID == nil || *cur.ParentSnapshotID != first || len(md.Snapshots()) != n+1 {
		t.Errorf("catalog's trade_flows after the update: current %+v, %d snapshots; want the %dth, a child of %d", cur, len(md.Snapshots()), n+1, first)
	}
	code, out, _ = runCLI("tables", "register", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "tradepipe.trade_flows: current in fake") {
		t.Errorf("third register: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("tables", "list", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "trade_flows: snapshot ") || !strings.Contains(out, fmt.Sprintf("(%d snapshots), file://%s/_iceberg/trade_flows/metadata/v%d.metadata.json", n+1, lakeDir, n+1)) {
		t.Errorf("tables list: exit %d\n%s", code, out)
	}
	code, _, errs = runCLI("tables", "register", "--config", cfg, "--catalog", "nope")
	if code != exitUsage || !strings.Contains(errs, `no catalog "nope"`) {
		t.Errorf("unknown catalog: exit %d, %s", code, errs)
	}
}

// revise rewrites the first value of one saved Census response in the
// inbox, so the next run publishes a revision of that month.
func revise(t *testing.T, inbox string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(inbox, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("inbox: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		if json.Unmarshal(b, &rows) != nil || len(rows) < 2 {
			continue
		}
		for i, h := range rows[0] {
			if strings.Contains(strings.ToUpper(h), "VAL") {
				rows[1][i] += "1"
				out, err := json.Marshal(rows)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
	}
	t.Fatalf("no Census response with a value column in %s", inbox)
}
