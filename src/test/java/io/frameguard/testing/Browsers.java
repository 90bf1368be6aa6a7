package io.frameguard.testing;

import java.io.File;
import java.util.logging.Level;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A real headless browser for the console's tests and its benchmark: Debian's chromium through Debian's
 * chromium-driver (.ci/run installs both), driven by Selenium; nothing downloaded (the driver's path is given, so
 * Selenium Manager is never asked for one).
 */
public final class Browsers {

    private Browsers() {
    }

    /** Headless chromium with its console log kept (read it with {@code manage().logs().get(LogType.BROWSER)}). */
    public static WebDriver chromium() {
        String chromium = ExternalTool.require("chromium", "apt-get install chromium");
        String chromedriver = ExternalTool.require("chromedriver", "apt-get install chromium-driver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        // new headless mode; no sandbox: CI runs as root in a container, where chromium's sandbox cannot start;
        // precise memory info: performance.memory in bytes, not in coarse buckets (bench/console reads it)
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--disable-gpu", "--enable-precise-memory-info");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(new File(chromedriver))
                .usingAnyFreePort().build();
        return new ChromeDriver(driver, options);
    }
}
