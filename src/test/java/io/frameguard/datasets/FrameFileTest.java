package io.frameguard.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a CSV file's first line is told a header or a frame, and which lines hold no frame. */
class FrameFileTest {

    @TempDir
    Path dir;

    private FrameFile read(String name, String... lines) throws Exception {
        return FrameFile.read(Files.write(dir.resolve(name), List.of(lines)), FrameFile.Format.csv, 0);
    }

    @Test
    void aHeaderIsNamesOrRisingColumnNumbersAfterAnIndexOrTimeName() throws Exception {
        assertThat(read("names.csv", "a,b,c", "1,2,3").featureNames()).containsExactly("a", "b", "c");
        // pandas' index with numbered columns, and a time column before wavelengths: headers, their first column an index
        // or a clock the doubts name
        assertThat(read("pandas.csv", ",0,1,2", "0,5,6,7", "1,5,6,7").featureNames()).containsExactly("", "0", "1", "2");
        assertThat(read("wavelengths.csv", "time,400.0,410.5,421", "1,5,6,7").rows()).isEqualTo(1);
        assertThat(read("frames.csv", "1,2,3", "4,5,6").rows()).isEqualTo(2);
    }

    /**
     * A first frame missing a value (empty, or as Python and R write it) is refused as such: taken for a header, it was
     * lost and every later index moved by one.
     */
    @Test
    void aFirstFrameMissingAValueIsNoHeader() {
        assertThatThrownBy(() -> read("empty.csv", ",0.51,0.33,0.20", "0.1,0.5,0.3,0.2"))
                .hasMessageContaining("empty.csv:1").hasMessageContaining("column 1 is empty");
        assertThatThrownBy(() -> read("nan.csv", "1.0,nan,3.2,4.1", "1.0,2.0,3.2,4.1"))
                .hasMessageContaining("nan.csv:1").hasMessageContaining("'nan'");
        assertThatThrownBy(() -> read("na.csv", "NA,0.5,0.3,0.2", "0.4,0.5,0.3,0.2"))
                .hasMessageContaining("na.csv:1").hasMessageContaining("'NA'");
    }

    /** A line of tabs alone is a TSV row of missing values, refused; in a file separated otherwise, a blank line. */
    @Test
    void aLineOfTabsIsMissingValuesInATsvAndBlankElsewhere() throws Exception {
        assertThatThrownBy(() -> read("missing.tsv", "a\tb\tc", "1\t2\t3", "\t\t", "4\t5\t6"))
                .hasMessageContaining("missing.tsv:3").hasMessageContaining("column 1 is empty");
        assertThat(read("stray.csv", "a,b,c", "1,2,3", "\t", "4,5,6").rows()).isEqualTo(2);
    }
}
