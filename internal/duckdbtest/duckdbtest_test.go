package duckdbtest

import "testing"

func TestOpenAndDescribe(t *testing.T) {
	db := Open(t)
	got := Types(t, db, "SELECT 1::INTEGER AS a, 'x' AS b, DATE '2020-04-01' AS d, 12.34::DECIMAL(18,2) AS v")
	want := map[string]string{"a": "INTEGER", "b": "VARCHAR", "d": "DATE", "v": "DECIMAL(18,2)"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("type of %s = %q, want %q", k, got[k], v)
		}
	}
	var ext int
	// No extension may be installed from the network during tests.
	if err := db.QueryRow("SELECT count(*) FROM duckdb_settings() WHERE name = 'autoinstall_known_extensions' AND value = 'false'").Scan(&ext); err != nil || ext != 1 {
		t.Errorf("autoinstall_known_extensions is not off: %d, %v", ext, err)
	}
}
