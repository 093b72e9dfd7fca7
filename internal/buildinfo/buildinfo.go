// Package buildinfo says which tradepipe wrote something: the version and
// the VCS commit of the running binary. It is a leaf so that the Parquet
// writer, the manifest and `tradepipe version` report the same values.
//
// Release builds may stamp both with
//
//	go build -ldflags "-X github.com/tradepipe/tradepipe/internal/buildinfo.version=v1.2.3 \
//	    -X github.com/tradepipe/tradepipe/internal/buildinfo.commit=$(git rev-parse HEAD)"
//
// Otherwise they come from runtime/debug.ReadBuildInfo: the main module's
// version and the vcs.revision setting that `go build` records inside a git
// checkout. Test binaries have neither, so Version is "(devel)" and Commit
// "unknown" there.
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// Stamped by -ldflags -X; empty in ordinary builds.
var version, commit string

var read = sync.OnceValues(func() (string, string) {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if c == "" && s.Key == "vcs.revision" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
})

// Version is the tradepipe version, "(devel)" when unknown.
func Version() string { v, _ := read(); return v }

// Commit is the VCS revision tradepipe was built from, "unknown" when the
// build did not record one.
func Commit() string { _, c := read(); return c }
