package buildinfo

import "testing"

func TestNeverEmpty(t *testing.T) {
	// Test binaries carry no vcs.revision; the fallbacks must still name
	// something so that created_by and the key-value metadata never read
	// "(build )".
	if Version() == "" || Commit() == "" {
		t.Fatalf("Version() = %q, Commit() = %q", Version(), Commit())
	}
}
