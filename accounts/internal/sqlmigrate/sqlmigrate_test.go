package sqlmigrate

import (
	"testing"
	"testing/fstest"

	"github.com/idbridge/idbridge/accounts"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		ok    bool
	}{
		{"numbered files load in order", []string{"0001_init.sql", "0002_more.sql"}, true},
		{"a gap is refused", []string{"0001_init.sql", "0003_more.sql"}, false},
		{"a file without a number is refused", []string{"0001_init.sql", "extra.sql"}, false},
		{"no files is refused", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"m": &fstest.MapFile{Mode: 0o755 | 1<<31}}
			for _, f := range tt.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("-- " + f)}
			}
			ms, err := Load(fsys, "m")
			if (err == nil) != tt.ok {
				t.Fatalf("Load: %v, want ok=%v", err, tt.ok)
			}
			for i, m := range ms {
				if m.Version != i+1 || m.SQL != "-- "+tt.files[i] {
					t.Fatalf("migration %d = %+v", i, m)
				}
			}
		})
	}
	if accounts.ErrorCode(TooNew(3, 2)) != accounts.CodeSchemaTooNew {
		t.Fatal("TooNew has the wrong code")
	}
}
