package parquetfile

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/schema"
)

func schemaTypeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// sortingColumns is the table's sort order as the files declare it in
// each row group's sorting_columns: ascending, nulls first.
func sortingColumns(t schema.Table) []parquet.SortingColumn {
	cols := make([]parquet.SortingColumn, len(t.SortBy))
	for i, name := range t.SortBy {
		cols[i] = parquet.NullsFirst(parquet.Ascending(name))
	}
	return cols
}

// checkColumns makes sure the table's sort and bloom columns are top-level
// columns of T: parquet-go silently ignores a path it does not have.
func checkColumns[T any](t schema.Table) error {
	s := parquet.SchemaOf(reflect.New(reflect.TypeFor[T]()).Interface())
	for _, group := range [][]string{t.SortBy, t.Bloom} {
		for _, name := range group {
			if _, ok := s.Lookup(name); !ok {
				return fmt.Errorf("column %q is not a column of %s (columns: %s)", name, reflect.TypeFor[T](), strings.Join(columnNames(s), ", "))
			}
		}
	}
	return nil
}

func columnNames(s *parquet.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name())
	}
	return out
}
