package io.wmb.processor.web;

import io.wmb.processor.config.ProcessorProperties;
import io.wmb.processor.version.RequestIds;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The web layer's request handling: request ids, datacenter header and body limit, before anything else runs.
 */
@Configuration(proxyBeanMethods = false)
public class WebConfiguration {

    @Bean
    FilterRegistrationBean<RequestIdFilter> requestIdFilter(RequestIds requestIds, ProcessorProperties properties) {
        FilterRegistrationBean<RequestIdFilter> registration = new FilterRegistrationBean<>(new RequestIdFilter(
                requestIds, properties.datacenter(), properties.api().maxBodySize().toBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /** Tomcat's own error answers (e.g. headers over the limit) as problems, not HTML pages. */
    @Bean
    ProblemErrorReportCustomizer problemErrorReportCustomizer() {
        return new ProblemErrorReportCustomizer();
    }

}
