package schema

import (
	"fmt"
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Type is a column's type in the lake's own small vocabulary, which the
// DDL generator maps to each engine and the reader tests compare with
// what independent readers report.
type Type string

// The column types the Records use.
const (
	TypeString     Type = "string"
	TypeInt32      Type = "int32"
	TypeInt64      Type = "int64"
	TypeFloat64    Type = "float64"
	TypeDate       Type = "date"
	TypeDecimal    Type = "decimal(18,2)" // money: int64 cents
	TypeTimestamp  Type = "timestamp_us_utc"
	TypeStringList Type = "list<string>"
)

// Column is one top-level column of a table's files.
type Column struct {
	Name     string `json:"name"`
	Type     Type   `json:"type"`
	Nullable bool   `json:"nullable"`
	Doc      string `json:"doc"`
}

// Columns returns the table's columns in file order, read from the
// Record's parquet schema, the one the writer uses. It fails on a column
// whose Parquet type has no Type, or that lacks a doc.
func (t *Table) Columns() ([]Column, error) {
	s := parquet.SchemaOf(reflect.New(t.RecordType()).Interface())
	var out []Column
	for _, f := range s.Fields() {
		typ, err := columnType(f)
		if err != nil {
			return nil, fmt.Errorf("table %s column %s: %w", t.Name, f.Name(), err)
		}
		doc, ok := t.Docs[f.Name()]
		if !ok {
			return nil, fmt.Errorf("table %s column %s: no doc", t.Name, f.Name())
		}
		out = append(out, Column{Name: f.Name(), Type: typ, Nullable: f.Optional(), Doc: doc})
	}
	return out, nil
}

func columnType(n parquet.Node) (Type, error) {
	lt := n.Type().LogicalType()
	if lt != nil {
		switch v := lt.Value.(type) {
		case *format.StringType:
			return TypeString, nil
		case *format.DateType:
			return TypeDate, nil
		case *format.DecimalType:
			if v.Precision == 18 && v.Scale == 2 && n.Type().Kind() == parquet.Int64 {
				return TypeDecimal, nil
			}
		case *format.TimestampType:
			if _, micros := v.Unit.Value.(*format.MicroSeconds); micros && v.IsAdjustedToUTC {
				return TypeTimestamp, nil
			}
		case *format.IntType:
			switch {
			case v.IsSigned && v.BitWidth == 32:
				return TypeInt32, nil
			case v.IsSigned && v.BitWidth == 64:
				return TypeInt64, nil
			}
		case *format.ListType:
			elem := n.Fields()[0].Fields()[0]
			if t, err := columnType(elem); err == nil && t == TypeString {
				return TypeStringList, nil
			}
		}
		return "", fmt.Errorf("unsupported logical type %s", lt)
	}
	switch n.Type().Kind() {
	case parquet.Int32:
		return TypeInt32, nil
	case parquet.Int64:
		return TypeInt64, nil
	case parquet.Double:
		return TypeFloat64, nil
	}
	return "", fmt.Errorf("unsupported type %s", n.Type())
}
