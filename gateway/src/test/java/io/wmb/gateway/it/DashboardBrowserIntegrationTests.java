package io.wmb.gateway.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The ops dashboard in a real headless Chromium: it loads, shows both datacenters, and a ratio changed
 * through the page takes effect on real traffic through the edge.
 */
class DashboardBrowserIntegrationTests {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final GatewayTopology topology = GatewayTopology.shared();

    private final String edge = this.topology.edgeUri();

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    private WebDriver browser;

    @BeforeEach
    void startBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Skipped: needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1400,1500");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
            .build();
        this.browser = new ChromeDriver(service, options);
        Map<String, String> operator = Map.of("Authorization", "Bearer " + GatewayTopology.TOKEN);
        Http.put(this.edge + "/ops/regions/north/shift", "{\"percent\":0}", operator);
        Http.put(this.edge + "/ops/datacenters/unicom/drain", "{\"drained\":false}", operator);
        Http.put(this.edge + "/ops/datacenters/telecom/drain", "{\"drained\":false}", operator);
        this.topology.unicomProcessor.start();
    }

    @AfterEach
    void stopBrowser() {
        if (this.browser != null) {
            this.browser.quit();
        }
    }

    @Test
    void shouldChangeARatioThroughThePageAndSeeItTakeEffect() throws Exception {
        this.browser.get(this.edge + "/");
        WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(15));
        wait.until((driver) -> text("datacenter-unicom-status").equals("UP")
                && text("datacenter-telecom-status").equals("UP"));
        assertThat(text("shift-north-current")).isEqualTo("0%");
        // Independent mode: each datacenter takes the writes entering it.
        wait.until((driver) -> text("datacenter-telecom-writes").equals("ACCEPTED here"));
        assertThat(text("topology")).startsWith("independent");

        this.browser.findElement(By.id("token")).sendKeys(GatewayTopology.TOKEN);
        WebElement shift = this.browser.findElement(By.id("shift-north"));
        shift.clear();
        shift.sendKeys("25");
        this.browser.findElement(By.id("shift-north-apply")).click();
        wait.until((driver) -> text("shift-north-current").equals("25%"));

        int users = 600;
        long telecom = Flux.range(0, users)
            .parallel(8)
            .runOn(Schedulers.boundedElastic())
            .map((i) -> Http.get(this.edge + "/api/posts/1",
                    Map.of("X-User-Id", this.run + "-" + i, "X-Region", "north")).header("X-WMB-Datacenter"))
            .sequential()
            .filter("telecom"::equals)
            .count()
            .block(Duration.ofMinutes(2));
        assertThat(telecom * 100.0 / users).isCloseTo(25, within(6.0));

        // The page counts that traffic at the edge and shows it per region.
        wait.until((driver) -> !text("region-north-rps").equals("0.0"));
        assertThat(text("audit")).contains("shiftPercent.north");
        saveScreenshot();
    }

    private String text(String id) {
        return this.browser.findElement(By.id(id)).getText().trim();
    }

    private void saveScreenshot() throws Exception {
        Path shot = ((TakesScreenshot) this.browser).getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", "dashboard.png");
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        // docs/dashboard.png is the README's picture: refreshed on request only, so that builds leave the tree clean.
        Path docs = Path.of("..", "docs");
        if ("true".equals(System.getenv("WMB_UPDATE_SCREENSHOT")) && Files.isDirectory(docs)) {
            Files.copy(shot, docs.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

}
