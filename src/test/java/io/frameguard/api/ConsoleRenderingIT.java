package io.frameguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.Browsers;
import io.frameguard.testing.ExternalTool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.logging.LogType;

/**
 * The console's drawing of one frame of a row model, in a real browser (Debian's chromium) on the console's own page
 * and script, without a service: a row's channels in units as unlike as kPa and mm/s are drawn on one scale (their
 * distance from what the model expected, in typical errors), each bar named under it.
 */
class ConsoleRenderingIT {

    private static final Path PAGE = ExternalTool.repo().resolve("src/main/resources/META-INF/resources/console/index.html");

    @Test
    @SuppressWarnings("unchecked")
    void aRowsChannelsAreDrawnOnOneScaleAndNamed() {
        WebDriver browser = Browsers.chromium();
        try {
            browser.get(PAGE.toUri().toString());
            // discharge in kPa far off what the model expected, vibration in mm/s a little off: the values alone would
            // draw vibration as nothing beside discharge
            Map<String, Object> drawn = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript("""
                    const p = { width: 3, height: 1, channels: 1, channelNames: ['discharge_kPa', 'vibration_mm_s', 'flow'],
                      values: [320, 2.6, 40], reconstruction: [280, 2.5, 40.1], errors: [64, 9, 0.25] };
                    const a = { event: { explanation: { kind: 'channels', topChannels: [{ index: 0, name: 'discharge_kPa', share: 0.8 }] } } };
                    const plot = valueBars(a, p);
                    const heights = [...plot.querySelectorAll('rect')].map(r => Number(r.getAttribute('height')));
                    return { heights, names: [...plot.querySelectorAll('.bar-names span')].map(s => s.textContent),
                      outlined: [...plot.querySelectorAll('rect.top')].map(r => r.getAttribute('data-channel')) };""");
            List<Number> heights = (List<Number>) drawn.get("heights");
            assertThat(heights).hasSize(3);
            // 8, 3 and 0.5 typical errors off: the bars in that ratio, vibration's no sliver beside discharge's
            assertThat(heights.get(1).doubleValue() / heights.get(0).doubleValue()).isCloseTo(3.0 / 8, org.assertj.core.data.Offset.offset(0.02));
            assertThat(heights.get(2).doubleValue() / heights.get(0).doubleValue()).isCloseTo(0.5 / 8, org.assertj.core.data.Offset.offset(0.02));
            assertThat((List<String>) drawn.get("names")).containsExactly("discharge_kPa", "vibration_mm_s", "flow");
            assertThat((List<String>) drawn.get("outlined")).containsExactly("discharge_kPa");
            assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
                    .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).isEmpty();
        } finally {
            browser.quit();
        }
    }
}
