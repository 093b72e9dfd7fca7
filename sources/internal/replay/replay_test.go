package replay

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func TestReplay(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2020-04.json"), []byte(`[["a"]]`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Client()
	get := func(url, inm string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("file://"+filepath.ToSlash(dir)+"/2020-04.json?time=2020-04", "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || body != `[["a"]]` || len(etag) != 66 {
		t.Fatalf("saved response: %d %q etag %q", resp.StatusCode, body, etag)
	}
	if resp, _ := get("file://"+filepath.ToSlash(dir)+"/2020-04.json", etag); resp.StatusCode != 304 {
		t.Errorf("If-None-Match with the ETag: %d, want 304", resp.StatusCode)
	}
	if resp, _ := get("file://"+filepath.ToSlash(dir)+"/2020-04.json", `"other"`); resp.StatusCode != 200 {
		t.Errorf("If-None-Match with another ETag: %d, want 200", resp.StatusCode)
	}
	for url, want := range map[string]int{
		"file://" + filepath.ToSlash(dir) + "/2020-05.json": 204, // a month not saved: no data
		"file://" + filepath.ToSlash(dir) + "/nope/x.json":  404, // no such directory: a wrong base_url
		"file://" + filepath.ToSlash(dir):                   404, // a directory is not a response
		"file://example.com/x.json":                         400,
	} {
		if resp, _ := get(url, ""); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", url, resp.StatusCode, want)
		}
	}
	// Relative to the working directory.
	t.Chdir(dir)
	if resp, body := get("file://./2020-04.json", ""); resp.StatusCode != 200 || body != `[["a"]]` {
		t.Errorf("file://./: %d %q", resp.StatusCode, body)
	}
}
