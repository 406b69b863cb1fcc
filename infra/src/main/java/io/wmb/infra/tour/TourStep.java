package io.wmb.infra.tour;

import java.time.Duration;

/**
 * One check of the tour and how it went.
 *
 * @param name what the step shows, e.g. "write in the north, read in the south"
 * @param passed whether every check of the step held
 * @param detail what was seen (the failure's reason when it did not pass)
 * @param took how long the step took
 */
public record TourStep(String name, boolean passed, String detail, Duration took) {
}
