package config

import (
	"slices"
	"testing"

	"github.com/tradepipe/tradepipe/sources/panjiva"
)

func TestPanjivaOptions(t *testing.T) {
	c, err := Parse([]byte(`
jobs:
  shipments:
    source: panjiva
    schedule: "@every 15m"
    options:
      inbox: file://./inbox/panjiva
      aliases: {"Arrival Dt": shipment_date}
      country_aliases: {Formosa: TW}
      unzip_size_limit: 1000000
      unzip_xml_size_limit: 1000
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	o := c.Jobs.Get("shipments").Decoded.(*PanjivaOptions)
	if o.Inbox != "file://./inbox/panjiva" || o.Aliases["Arrival Dt"] != "shipment_date" || o.CountryAliases["Formosa"] != "TW" || o.UnzipXMLSizeLimit != 1000 {
		t.Errorf("decoded %+v", o)
	}
	// An ingest-only job needs no inbox.
	c, err = Parse([]byte("jobs:\n  s:\n    source: panjiva\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("ingest-only job: %v", err)
	}
}

func TestPanjivaFieldsMatchSource(t *testing.T) {
	if got := panjiva.FieldNames(); !slices.Equal(got, PanjivaFields) {
		t.Errorf("config.PanjivaFields = %v, source has %v", PanjivaFields, got)
	}
}
