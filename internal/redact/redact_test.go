package redact

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	r := New("k3y-abcdef123", "tok-0123456789", "")
	for _, tc := range []struct{ in, want string }{
		// Issue 12: an upstream error body echoing the request URL.
		{`HTTP 400: error: unknown variable 'X' in https://api.census.gov/data/timeseries/intltrade/exports/hs?get=E_COMMODITY&key=k3y-abcdef123&time=2020-01`,
			`HTTP 400: error: unknown variable 'X' in https://api.census.gov/data/timeseries/intltrade/exports/hs?get=E_COMMODITY&key=REDACTED&time=2020-01`},
		{"a key we hold, anywhere: k3y-abcdef123.", "a key we hold, anywhere: REDACTED."},
		{"a key we do not hold: ?key=zzzzzzzzzz&x=1", "a key we do not hold: ?key=REDACTED&x=1"},
		{"s3://AKIAXXXX:wJalrXUtnFEMI@bucket/p", "s3://REDACTED@bucket/p"},
		{"https://u:p4ss@host/x and http://host/y", "https://REDACTED@host/x and http://host/y"},
		{"GET /x?X-Amz-Credential=AKIA%2F2020&X-Amz-Signature=abcdef0123", "GET /x?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED"},
		{"Authorization: Bearer tok-0123456789", "Authorization: Bearer REDACTED"},
		{"Authorization: bearer zzzzzzzzzzzz", "Authorization: bearer REDACTED"},
		{"monkey=banana keyboard=1 hs_code=0201", "monkey=banana keyboard=1 hs_code=0201"},
		{"plain text", "plain text"},
	} {
		if got := r.Scrub(tc.in); got != tc.want {
			t.Errorf("Scrub(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
	var none *Redactor
	if got := none.Scrub("x?key=abcdefgh"); got != "x?key=REDACTED" {
		t.Errorf("nil redactor: %q", got)
	}
}

func TestErrorKeepsChain(t *testing.T) {
	r := New("secret-value")
	err := r.Error(fmt.Errorf("open secret-value: %w", fs.ErrNotExist))
	if err.Error() != "open REDACTED: file does not exist" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v", err)
	}
	if r.Error(nil) != nil {
		t.Error("nil error")
	}
}

func TestHandler(t *testing.T) {
	r := New()
	var buf bytes.Buffer
	log := slog.New(r.Handler(slog.NewJSONHandler(&buf, nil))).With("url", "https://x/?key=late-added-1")
	r.Add("late-added-1", "late-added-2")
	log.Error("fetch late-added-2 failed", "err", errors.New("HTTP 500: late-added-1"), slog.Group("g", "k", "late-added-2"), "n", 3)
	out := buf.String()
	if strings.Contains(out, "late-added") || strings.Count(out, Mask) != 4 || !strings.Contains(out, `"n":3`) {
		t.Errorf("log line: %s", out)
	}
}

func TestURLSecrets(t *testing.T) {
	got := URLSecrets("https://user:pw-123456@api.example/x?get=A&time=2020-01&key=abc123456&X-Amz-Signature=sig999999")
	want := map[string]bool{"pw-123456": true, "abc123456": true, "sig999999": true}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected secret %q", g)
		}
	}
}

func TestEnvSecrets(t *testing.T) {
	got := EnvSecrets([]string{"CENSUS_API_KEY=abcdefgh", "HOME=/root", "AWS_SECRET_ACCESS_KEY=wJalr", "TRADEPIPE_TOKEN=", "PATH=/bin"})
	if len(got) != 2 || got[0] != "abcdefgh" || got[1] != "wJalr" {
		t.Errorf("%v", got)
	}
}
